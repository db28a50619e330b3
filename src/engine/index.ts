// The embedded k6-compatible engine: `s2s run` (cli.ts) and what other modules may call directly.
export { main } from './cli.ts';
export { EXIT, runScript, type RunFlags, type RunIO } from './run.ts';
export { resolveOptions, parseDurationMs, formatDuration, OptionsError, type ScenarioConfig, type ResolvedOptions } from './options.ts';
export { createExecutor } from './executors/index.ts';
