#!/usr/bin/env node
// The `s2s` command: registers tsx so the TypeScript sources run as they are, then hands over. `s2s run` (the
// embedded engine, started once per run and counted by the benchmarks) starts from a cached bundle instead.
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
let engine = null;
if (argv[0] === 'run' && process.env.S2S_ENGINE_BUNDLE !== '0') {
  try {
    const { engineEntry } = await import('../src/engine/bundle-cache.mjs');
    engine = await import(pathToFileURL(await engineEntry()).href);
  } catch (err) {
    // Not fatal: the sources still run through tsx.
    if (process.env.S2S_DEBUG) process.stderr.write(`s2s: engine bundle unavailable (${err.message}); running from source\n`);
  }
}
if (engine) {
  process.exitCode = await engine.main(argv.slice(1));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(argv);
}
