// Plain JavaScript on purpose (bin/s2s.mjs imports it before any TypeScript loader): `s2s run` starts from two
// esbuild bundles — the engine and its VU-thread entry — cached in node_modules/.cache and rebuilt when any of
// their input files changes. Starting without the tsx loader saves ≈ 1–3 s of start-up and the loader's own
// thread (≈ 35 MiB RSS), which the 1000-VU benchmark counts. S2S_ENGINE_BUNDLE=0 runs from source instead.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Two levels below the root, like src/engine/: `new URL('../../package.json', import.meta.url)` still finds it.
const DIR = path.join(ROOT, 'node_modules/.cache');
const ENGINE = path.join(DIR, 's2s-engine.mjs');
const WORKER = path.join(DIR, 's2s-vu-worker.cjs');
const MANIFEST = path.join(DIR, 's2s-engine.json');

function stamp(file) {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

function fresh() {
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    if (m.node !== process.version) return false;
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

/** Path of the engine bundle (built when missing or stale); exports `main(argv)` like src/engine/cli.ts. */
export async function engineEntry() {
  if (fresh()) return ENGINE;
  const esbuild = await import('esbuild');
  mkdirSync(DIR, { recursive: true });
  const tmp = `.${process.pid}.tmp`;
  const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', logLevel: 'silent', metafile: true, external: ['esbuild'] };
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
  writeFileSync(MANIFEST + tmp, JSON.stringify({ node: process.version, inputs }));
  renameSync(MANIFEST + tmp, MANIFEST);
  return ENGINE;
}
