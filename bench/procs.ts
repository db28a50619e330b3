// Processes the benchmark starts and watches: pong and ping from app/ (the same bundle the local
// platform runs), peak RSS read from /proc (VmHWM), and wall time of whole commands.
import { readFileSync } from 'node:fs';
import { serviceCommand } from '../src/platforms/local/server-bundle.ts';
import { runToExit, Supervised } from '../src/process/supervised.ts';

export interface Service {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startService(name: string, env: Record<string, string>): Promise<Service> {
  const cmd = await serviceCommand();
  const proc = Supervised.spawn({
    name,
    args: cmd.args,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SERVICE_NAME: name, AUTH_MODE: 'none', LOG_LEVEL: 'error', ...env },
  });
  try {
    await proc.ready(60_000);
  } catch (error) {
    await proc.stop(2000);
    throw error;
  }
  return { url: proc.url, pid: proc.pid, stop: async () => void (await proc.stop(2000)) };
}

export async function startPong(): Promise<Service> {
  return startService('pong-unsec', {});
}

export async function startPing(pongUrl: string, extra: Record<string, string> = {}): Promise<Service> {
  return startService('ping', { PING_TARGETS: `pong=${pongUrl}`, PING_SOURCE: 'bench', PING_MAX_COUNT: '1000000', PING_MAX_SAMPLES: '0', ...extra });
}

/** Peak resident set size of a live process, MiB (the kernel's high-water mark). */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface CommandRun {
  code: number | null;
  wallMs: number;
  /** Peak RSS seen while it ran (polled every 20 ms; the last poll is just before exit), MiB. */
  peakRssMiB: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, measuring wall time and peak RSS. */
export async function timeCommand(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CommandRun> {
  let peak: number | null = null;
  let poll: NodeJS.Timeout | undefined;
  const r = await runToExit({
    name: argv.slice(0, 3).join(' '),
    command: argv[0]!,
    args: argv.slice(1),
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs ?? 600_000,
    onSpawn: (child) => {
      poll = setInterval(() => {
        const v = child.alive ? peakRssMiB(child.pid) : null;
        if (v !== null && (peak === null || v > peak)) peak = v;
      }, 20);
    },
  });
  clearInterval(poll);
  return { code: r.code, wallMs: r.wallMs, peakRssMiB: peak, stdout: r.stdout, stderr: r.stderr };
}
