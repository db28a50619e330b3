import { cp, mkdtemp, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenarios, isBuildStale, REPO_ROOT, SCENARIO_ENTRIES, TypeCheckError, type BuildPaths } from './build.ts';

let dir: string;
let paths: BuildPaths;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's2s-build-'));
  paths = { scenariosDir: path.join(REPO_ROOT, 'scenarios'), outDir: path.join(dir, 'build'), extraInputDirs: [path.join(REPO_ROOT, 'src/contract')] };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A type-check takes ~3 s of CPU, but tens of seconds on a shared, loaded machine: room, not a timing assertion.
const BUILD_TIMEOUT_MS = 240_000;

describe('buildScenarios', () => {
  it('type-checks and bundles every scenario: ESM, only k6 / k6/* imports, no Node, with source maps', async () => {
    expect(isBuildStale(paths)).toBe(true);
    const result = await buildScenarios(paths);
    expect(result.outputs.map((o) => o.name).sort()).toEqual([...SCENARIO_ENTRIES].sort());
    for (const name of SCENARIO_ENTRIES) {
      const js = await readFile(path.join(paths.outDir, `${name}.js`), 'utf8');
      const imports = [...js.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      for (const spec of imports) expect(spec).toMatch(/^k6(\/[a-z0-9/-]+)?$/);
      expect(js).not.toMatch(/\brequire\(|from\s+['"]node:|process\.env|Buffer\./);
      expect(js).toMatch(/export\s*\{[^}]*\boptions\b/);
      expect(js).toMatch(/export\s*\{[^}]*\bhandleSummary\b/);
      expect(js).toContain(`//# sourceMappingURL=${name}.js.map`);
      const map = JSON.parse(await readFile(path.join(paths.outDir, `${name}.js.map`), 'utf8')) as { sources: string[] };
      expect(map.sources.some((s) => s.endsWith(`scenarios/${name}.ts`))).toBe(true);
    }
    expect(isBuildStale(paths)).toBe(false);
  }, BUILD_TIMEOUT_MS);

  it('is stale again when a scenario input is newer than the outputs', async () => {
    const copy = path.join(dir, 'scenarios-copy');
    await cp(paths.scenariosDir, copy, { recursive: true, preserveTimestamps: true });
    const p2 = { ...paths, scenariosDir: copy };
    expect(isBuildStale(p2)).toBe(false);
    const future = new Date(Date.now() + 60_000);
    await utimes(path.join(copy, 'lib/config.ts'), future, future);
    expect(isBuildStale(p2)).toBe(true);
  });

  it('a type error in a scenario fails the build with the diagnostic, and nothing is bundled', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken);
    await cp(paths.scenariosDir, path.join(broken, 'scenarios'), { recursive: true });
    await mkdir(path.join(broken, 'src'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'src/contract'), path.join(broken, 'src/contract'), { recursive: true });
    // node_modules for @types/k6: point the copy at the repo's through a symlink.
    await import('node:fs/promises').then((fs) => fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(broken, 'node_modules')));
    await writeFile(path.join(broken, 'scenarios/probe.ts'), "import { readFileSync } from 'node:fs';\nexport const x: number = readFileSync('x');\n");
    const out = path.join(broken, 'build');
    const err = await buildScenarios({ scenariosDir: path.join(broken, 'scenarios'), outDir: out, extraInputDirs: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeCheckError);
    expect((err as Error).message).toContain('probe.ts');
    expect((err as Error).message).toMatch(/node:fs/);
    expect(existsSync(out)).toBe(false);
  }, BUILD_TIMEOUT_MS);
});
