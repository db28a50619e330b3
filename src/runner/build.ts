// Builds the k6 scripts: type-checks scenarios/ against its own tsconfig (k6 types only, no Node), then
// bundles each scenario with esbuild into build/<name>.js + source map (ESM, k6 and k6/* left external).
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCENARIO_ENTRIES = ['probe', 'load', 'direct'] as const;

export interface BuildPaths {
  /** Folder holding <name>.ts scenarios and lib/. */
  scenariosDir: string;
  /** Output folder. */
  outDir: string;
  /** Extra input folders whose changes make the build stale (the ping contract). */
  extraInputDirs: string[];
}

export function defaultBuildPaths(root = REPO_ROOT): BuildPaths {
  return {
    scenariosDir: path.join(root, 'scenarios'),
    outDir: path.join(root, 'build'),
    extraInputDirs: [path.join(root, 'src/contract')],
  };
}

export class TypeCheckError extends Error {
  constructor(readonly diagnostics: string) {
    super(`type-checking scenarios/ failed:\n${diagnostics}`);
    this.name = 'TypeCheckError';
  }
}

export interface BuildResult {
  outputs: { name: string; file: string; bytes: number }[];
  typeCheckMs: number;
  bundleMs: number;
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') || f.endsWith('.json'))
    .map((f) => path.join(dir, f));
}

/** True when an output is missing or older than any input. */
export function isBuildStale(paths: BuildPaths = defaultBuildPaths()): boolean {
  let oldestOutMs = Number.POSITIVE_INFINITY;
  for (const name of SCENARIO_ENTRIES) {
    const file = path.join(paths.outDir, `${name}.js`);
    if (!existsSync(file)) return true;
    oldestOutMs = Math.min(oldestOutMs, statSync(file).mtimeMs);
  }
  const inputs = [...listTs(paths.scenariosDir), ...paths.extraInputDirs.flatMap(listTs)];
  return inputs.some((f) => statSync(f).mtimeMs > oldestOutMs);
}

/** Type-checks with the TypeScript API (same result as `tsc -p scenarios/tsconfig.json --noEmit`). */
export async function typeCheckScenarios(scenariosDir: string): Promise<void> {
  const ts = (await import('typescript')).default;
  const configPath = path.join(scenariosDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new TypeCheckError(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new TypeCheckError(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    throw new TypeCheckError(ts.formatDiagnostics(diagnostics, host));
  }
}

/** Bundles every scenario entry; the result lists what was written. */
export async function bundleScenarios(paths: BuildPaths): Promise<BuildResult['outputs']> {
  const entryPoints = SCENARIO_ENTRIES.map((name) => ({ in: path.join(paths.scenariosDir, `${name}.ts`), out: name }));
  const result = await esbuild.build({
    entryPoints,
    outdir: paths.outDir,
    bundle: true,
    format: 'esm',
    target: 'es2020',
    // neutral: no Node built-ins are resolvable, so a stray `node:` import fails the build instead of shipping.
    platform: 'neutral',
    external: ['k6', 'k6/*'],
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, meta]) => ({ name: path.basename(file, '.js'), file: path.resolve(file), bytes: meta.bytes }));
}

export async function buildScenarios(paths: BuildPaths = defaultBuildPaths()): Promise<BuildResult> {
  const t0 = performance.now();
  await typeCheckScenarios(paths.scenariosDir);
  const t1 = performance.now();
  const outputs = await bundleScenarios(paths);
  const t2 = performance.now();
  return { outputs, typeCheckMs: t1 - t0, bundleMs: t2 - t1 };
}

export function describeBuild(result: BuildResult, root = REPO_ROOT): string {
  const lines = result.outputs.map((o) => `  ${path.relative(root, o.file)}  (${(o.bytes / 1024).toFixed(1)} KiB, + .map)`);
  return [`built ${result.outputs.length} scenarios (type-check ${Math.round(result.typeCheckMs)} ms, bundle ${Math.round(result.bundleMs)} ms):`, ...lines].join('\n');
}
