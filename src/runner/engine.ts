// Which engine runs the built script, and how it is spawned: real k6 when asked or found (PATH / K6_BIN),
// else the embedded engine (`s2s run`), which speaks the same flags, outputs and exit codes.
import { accessSync, constants, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './build.ts';

export type EngineChoice = 'auto' | 'k6' | 'embedded';
export type EngineName = 'k6' | 'embedded';

export interface SelectedEngine {
  name: EngineName;
  /** Executable of k6 (null for embedded). */
  bin: string | null;
  /** One line for the user: which engine and why. */
  reason: string;
}

export class EngineNotFoundError extends Error {
  constructor() {
    super('--engine k6: no k6 found (K6_BIN is unset and no k6 on PATH). Install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use --engine embedded.');
    this.name = 'EngineNotFoundError';
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The k6 executable from K6_BIN, else from PATH, else null. */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.K6_BIN;
  if (fromEnv) return executable(fromEnv) ? path.resolve(fromEnv) : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'k6');
    if (executable(candidate)) return candidate;
  }
  return null;
}

export function selectEngine(choice: EngineChoice, env: NodeJS.ProcessEnv = process.env): SelectedEngine {
  if (choice === 'embedded') return { name: 'embedded', bin: null, reason: 'embedded engine (--engine embedded)' };
  const k6 = findK6(env);
  if (choice === 'k6') {
    if (!k6) throw new EngineNotFoundError();
    return { name: 'k6', bin: k6, reason: `k6 at ${k6} (--engine k6)` };
  }
  if (k6) return { name: 'k6', bin: k6, reason: `k6 at ${k6} (auto: found ${env.K6_BIN ? 'K6_BIN' : 'on PATH'})` };
  if (env.K6_BIN) return { name: 'embedded', bin: null, reason: `embedded engine (auto: K6_BIN=${env.K6_BIN} is not an executable file)` };
  return { name: 'embedded', bin: null, reason: 'embedded engine (auto: no k6 on PATH or K6_BIN)' };
}

/** `k6 version` → "v1.3.0"; the embedded engine reports this package's version. */
export function engineVersion(engine: SelectedEngine): string {
  if (engine.name === 'embedded') return `s2s-embedded-${packageVersion()}`;
  try {
    const out = execFileSync(engine.bin as string, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return /v\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? (out.trim().split('\n')[0] || 'unknown');
  } catch {
    return 'unknown';
  }
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (JSON.parse(execFileSync(process.execPath, ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: REPO_ROOT, encoding: 'utf8' })) as string) || '0';
  } catch {
    return '0';
  }
}

export interface EngineCommandInput {
  script: string;
  /** Write `--out json=<file>` (gzip when it ends in .gz). */
  ndjsonFile: string | null;
  quiet: boolean;
  /** The dashboard's env (K6_WEB_DASHBOARD_*) and extra flags for this engine (see dashboard.ts). */
  dashboard: { env: Record<string, string>; args: string[] } | null;
}

export interface EngineCommand {
  command: string;
  args: string[];
  /** Extra env for the engine process. */
  env: Record<string, string>;
  /**
   * Spawn with a pipe on fd 3 that only the runner holds: the embedded engine exits within ~250 ms when it closes
   * or when its parent PID changes (src/process/parent-watch.ts), so a SIGKILLed runner leaves no engine behind.
   */
  parentPipe?: boolean;
}

export function engineCommand(engine: SelectedEngine, input: EngineCommandInput): EngineCommand {
  const flags: string[] = [];
  if (input.ndjsonFile) flags.push('--out', `json=${input.ndjsonFile}`);
  if (input.dashboard) flags.push(...input.dashboard.args);
  if (input.quiet) flags.push('--quiet');
  // Both engines get the parent pipe on fd 3 and our PID: the embedded engine watches them itself; real k6 cannot,
  // so it runs under `s2s lifeline`, which stops it when we die.
  const sub = engine.name === 'embedded' ? ['run'] : ['lifeline', '--', engine.bin as string, 'run'];
  return {
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin/s2s.mjs'), ...sub, ...flags, input.script],
    env: { ...input.dashboard?.env, S2S_PARENT_FD: '3', S2S_PARENT_PID: String(process.pid) },
    parentPipe: true,
  };
}
