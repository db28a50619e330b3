// `npm run build`: type-check scenarios/ and bundle them into build/ (logic in src/runner/build.ts).
import { buildScenarios, describeBuild, TypeCheckError } from '../src/runner/build.ts';

try {
  process.stdout.write(`${describeBuild(await buildScenarios())}\n`);
} catch (err) {
  process.stderr.write(`build: ${err instanceof TypeCheckError ? err.message : (err as Error).message}\n`);
  process.exitCode = 1;
}
