// One service (ping, pong-sec, …) as a child process of the local platform: started with its env,
// ready when it prints its `{"msg":"listening","url":…}` line, stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { redact } from '../../auth/redact.ts';

export interface ServiceProcessOptions {
  name: string;
  /** Arguments after process.execPath. */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long to wait for the listening line (ms). */
  startTimeoutMs: number;
  /** Receives every output line, prefixed with the service name, tokens redacted. */
  log?: (line: string) => void;
}

export class ServiceStartError extends Error {
  override name = 'ServiceStartError';
}

const KEEP_LINES = 20;

export class ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The URL the service printed in its listening line (set once started). */
  url = '';
  private readonly lastLines: string[] = [];
  /** Resolves when the process has exited (or could not be spawned). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(options: ServiceProcessOptions) {
    this.name = options.name;
    this.child = spawn(process.execPath, options.args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      // spawn itself failed (e.g. EAGAIN): no 'exit' follows.
      this.child.once('error', (error) => {
        this.remember(`spawn failed: ${error.message}`);
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    this.listening = new Promise((resolve) => (this.onListening = resolve));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
        const line = redact(raw);
        this.remember(line);
        options.log?.(`[${this.name}] ${line}`);
        if (stream === this.child.stdout && this.url === '') this.checkListening(raw);
      });
    }
  }

  private readonly listening: Promise<void>;
  private onListening: () => void = () => {};

  private checkListening(line: string): void {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (parsed.msg === 'listening' && typeof parsed.url === 'string') {
        this.url = parsed.url.replace(/\/+$/, '');
        this.onListening();
      }
    } catch {
      // Not JSON: output before the listening line is only logged.
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === null && this.child.pid !== undefined;
  }

  /** Spawns the process; `ready()` then waits for its listening line. */
  static spawn(options: ServiceProcessOptions): ServiceProcess {
    const service = new ServiceProcess(options);
    service.startTimeoutMs = options.startTimeoutMs;
    return service;
  }

  private startTimeoutMs = 60_000;

  /** Resolves once the service printed its listening line; throws ServiceStartError if it exits or times out. */
  ready(): Promise<void> {
    return this.waitListening(this.startTimeoutMs);
  }

  /** The last lines the service wrote (stdout and stderr, redacted), for error messages. */
  tail(): string {
    return this.lastLines.length === 0 ? '(no output)' : this.lastLines.map((line) => `    ${line}`).join('\n');
  }

  private remember(line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
  }

  private async waitListening(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    // Let output already written reach lastLines before an exit is described.
    const exited = this.exited.then((info) => new Promise<typeof info>((resolve) => setImmediate(() => resolve(info))));
    const outcome = await Promise.race([this.listening.then(() => 'listening' as const), timedOut, exited]);
    clearTimeout(timer);
    if (outcome === 'listening') return;
    if (outcome === 'timeout') {
      throw new ServiceStartError(`start ${this.name} (pid ${this.pid}) timed out after ${timeoutMs} ms without its "listening" line; last output:\n${this.tail()}`);
    }
    const how = outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.code}`;
    throw new ServiceStartError(`start ${this.name} failed: it exited (${how}) before listening; last output:\n${this.tail()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (this.alive) this.child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    await this.exited;
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL if still running. */
  killNow(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}
