// `npm run build`: type-check scenarios/ and bundle them into build/ (logic in src/runner/build-cli.ts).
import { main } from '../src/runner/build-cli.ts';

process.exitCode = await main(process.argv.slice(2));
