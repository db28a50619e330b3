// Plain JavaScript on purpose (bin/s2s.mjs imports it before any TypeScript loader): `s2s run` starts from two
// esbuild bundles — the engine and its VU-thread entry — cached in node_modules/.cache and rebuilt when any of
// their input files changes. Starting without the tsx loader saves ≈ 1–3 s of start-up and the loader's own
// thread (≈ 35 MiB RSS), which the 1000-VU benchmark counts. S2S_ENGINE_BUNDLE=0 runs from source instead.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'node_modules/.cache');
const ENGINE = path.join(DIR, 's2s-engine.mjs');
const WORKER = path.join(DIR, 's2s-vu-worker.cjs');
const MANIFEST = path.join(DIR, 's2s-engine.json');
/** This file: how the bundles are built is an input too. */
const SELF = fileURLToPath(import.meta.url);

function stamp(file) {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

function fresh() {
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    if (m.node !== process.version || m.self !== stamp(SELF)) return false;
    for (const [file, st] of Object.entries(m.inputs)) if (stamp(path.join(ROOT, file)) !== st) return false;
    statSync(ENGINE);
    statSync(WORKER);
    return true;
  } catch {
    return false;
  }
}

function inputsOf(metafile) {
  const out = {};
  for (const file of Object.keys(metafile.inputs)) {
    if (file.startsWith('<') || file.includes('(disabled)')) continue;
    out[file] = stamp(path.join(ROOT, file));
  }
  return out;
}

/**
 * Each source module keeps its own `import.meta.url` inside the bundle (a module that finds files next to itself —
 * the dashboard's client sources, package.json — must not look in node_modules/.cache instead).
 */
const ownMetaUrl = {
  name: 's2s-own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};

/** Path of the engine bundle (built when missing or stale); exports `main(argv)` like src/engine/cli.ts. */
export async function engineEntry() {
  if (fresh()) return ENGINE;
  const esbuild = await import('esbuild');
  mkdirSync(DIR, { recursive: true });
  const tmp = `.${process.pid}.tmp`;
  const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', logLevel: 'silent', metafile: true, external: ['esbuild'], plugins: [ownMetaUrl] };
  const worker = await esbuild.build({ ...common, entryPoints: ['src/engine/runtime/vu-worker.ts'], format: 'cjs', outfile: WORKER + tmp });
  const engine = await esbuild.build({
    ...common,
    entryPoints: ['src/engine/cli.ts'],
    format: 'esm',
    outfile: ENGINE + tmp,
    // Some dependencies are CommonJS and call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __s2sCreateRequire } from 'node:module'; const require = __s2sCreateRequire(import.meta.url);" },
    define: { 'process.env.S2S_VU_WORKER_FILE': JSON.stringify(WORKER) },
  });
  renameSync(WORKER + tmp, WORKER);
  renameSync(ENGINE + tmp, ENGINE);
  const inputs = { ...inputsOf(worker.metafile), ...inputsOf(engine.metafile) };
  writeFileSync(MANIFEST + tmp, JSON.stringify({ node: process.version, self: stamp(SELF), inputs }));
  renameSync(MANIFEST + tmp, MANIFEST);
  return ENGINE;
}
