// A child process we start and answer for: spawned with its env, its output kept (the last lines, or all
// of it) and optionally logged line by line with tokens redacted, ready once it prints the line we wait for,
// stopped with a signal and then SIGKILL after a grace period, and never left behind: every child still
// running when this process exits is SIGKILLed. The local platform's services, the bench's processes and
// the service tests all run their children through here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { redact } from '../auth/redact.ts';

export interface SupervisedOptions {
  /** Shown in log lines and errors ("ping", "pong-sec", "k6 run"). */
  name: string;
  /** Executable; default: this Node (process.execPath). */
  command?: string;
  args: string[];
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives every output line, prefixed with the name, tokens redacted. */
  log?: (line: string) => void;
  /** Keep everything the child writes, unredacted, for output()/stdout()/stderr() (tests read it). */
  keepOutput?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The child exited, or did not print its ready line in time; the message holds its last output lines. */
export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
}

const KEEP_LINES = 20;
const live = new Set<Supervised>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when this process ends without stopping its children: nothing asynchronous runs here.
  process.on('exit', () => {
    for (const child of live) child.killNow();
  });
}

export class Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (or could not be spawned); never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** The URL of its `{"msg":"listening","url":…}` line, once seen (services). */
  url = '';
  private exitInfo: ExitInfo | null = null;
  private readonly lastLines: string[] = [];
  private readonly lineWaiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private readonly raw: { out: string; err: string; both: string } | null;

  private constructor(options: SupervisedOptions) {
    this.name = options.name;
    this.raw = options.keepOutput ? { out: '', err: '', both: '' } : null;
    this.child = spawn(options.command ?? process.execPath, options.args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    installExitHook();
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo): void => {
        this.exitInfo ??= info;
        live.delete(this);
        resolve(this.exitInfo);
      };
      // 'close' (not 'exit'): every line it wrote has been read by then.
      this.child.once('close', (code, signal) => done({ code, signal }));
      // spawn itself failed (ENOENT, EAGAIN): no 'close' may follow.
      this.child.once('error', (error) => {
        this.remember(`spawn failed: ${error.message}`);
        done({ code: null, signal: null });
      });
    });
    for (const [stream, key] of [[this.child.stdout, 'out'], [this.child.stderr, 'err']] as const) {
      if (!stream) continue;
      if (this.raw) {
        const raw = this.raw;
        stream.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          raw[key] += text;
          raw.both += text;
        });
      }
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        const shown = redact(line);
        this.remember(shown);
        options.log?.(`[${this.name}] ${shown}`);
        if (key === 'out' && this.url === '') this.checkListening(line);
        for (const w of this.lineWaiters.splice(0)) {
          if (w.test(line)) w.resolve(line);
          else this.lineWaiters.push(w);
        }
      });
    }
  }

  /** Starts the child; nothing is awaited yet. */
  static spawn(options: SupervisedOptions): Supervised {
    return new Supervised(options);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === null && this.child.pid !== undefined;
  }

  /** Everything it wrote so far, stdout and stderr interleaved (keepOutput only). */
  output(): string {
    return this.raw?.both ?? '';
  }

  stdout(): string {
    return this.raw?.out ?? '';
  }

  stderr(): string {
    return this.raw?.err ?? '';
  }

  /** The last lines it wrote (stdout and stderr, redacted), indented, for error messages. */
  tail(): string {
    return this.lastLines.length === 0 ? '(no output)' : this.lastLines.map((line) => `    ${line}`).join('\n');
  }

  /** Resolves with the first output line (stdout or stderr) that passes `test`; throws if it exits or times out first. */
  async waitForLine(test: (line: string) => boolean, timeoutMs: number, what = 'the line it was waited for'): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const waiter = { test, resolve: (_line: string) => {} };
    const seen = new Promise<string>((resolve) => {
      waiter.resolve = resolve;
      this.lineWaiters.push(waiter);
    });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const exited = this.exited.then((info) => ({ info }));
    const outcome = await Promise.race([seen, timedOut, exited]);
    clearTimeout(timer);
    const index = this.lineWaiters.indexOf(waiter);
    if (index !== -1) this.lineWaiters.splice(index, 1);
    if (typeof outcome === 'string' && outcome !== 'timeout') return outcome;
    if (outcome === 'timeout') throw new ProcessStartError(`start ${this.name} (pid ${this.pid}) timed out after ${timeoutMs} ms without ${what}; last output:\n${this.tail()}`);
    const { info } = outcome as { info: ExitInfo };
    const how = info.signal ? `signal ${info.signal}` : `code ${info.code}`;
    throw new ProcessStartError(`start ${this.name} failed: it exited (${how}) before ${what}; last output:\n${this.tail()}`);
  }

  /** A service is ready when it prints `{"msg":"listening","url":…}` on stdout; resolves with that URL. */
  async ready(timeoutMs: number): Promise<string> {
    if (this.url !== '') return this.url;
    await this.waitForLine(() => this.url !== '', timeoutMs, 'its "listening" line');
    return this.url;
  }

  /** `signal` (SIGTERM), then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    if (!this.alive) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.killNow(), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  /** Synchronous SIGKILL if still running (exit handlers). */
  killNow(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private remember(line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
  }

  private checkListening(line: string): void {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (parsed.msg === 'listening' && typeof parsed.url === 'string') this.url = parsed.url.replace(/\/+$/, '');
    } catch {
      // Not JSON: output before the listening line is only kept.
    }
  }
}

/** Stops every child still running (test safety nets): SIGTERM, SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(graceMs)));
}

export interface Completed extends ExitInfo {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  wallMs: number;
  /** Killed after `timeoutMs`. */
  timedOut: boolean;
}

/** Runs a command to completion (SIGKILL after `timeoutMs`, default 10 min) and returns its exit and output. */
export async function runToExit(options: Omit<SupervisedOptions, 'keepOutput'> & { timeoutMs?: number; onSpawn?: (child: Supervised) => void }): Promise<Completed> {
  const started = performance.now();
  const child = Supervised.spawn({ ...options, keepOutput: true });
  options.onSpawn?.(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.killNow();
  }, options.timeoutMs ?? 600_000);
  const info = await child.exited;
  clearTimeout(timer);
  return { ...info, stdout: child.stdout(), stderr: child.stderr(), output: child.output(), wallMs: performance.now() - started, timedOut };
}
