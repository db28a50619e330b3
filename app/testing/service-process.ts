// Test helper: runs app/server.ts as a real process (as the local platform does), through the one
// supervision module: ready on its "listening" line, everything it printed kept, stopped with a signal,
// never left behind.
import { fileURLToPath } from 'node:url';
import { runToExit, stopAll, Supervised } from '../../src/process/supervised.ts';

const SERVER = fileURLToPath(new URL('../server.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** Stops every service this process started and is still running (afterAll safety net). */
export const stopAllServices = (): Promise<void> => stopAll();

export interface ServiceProcess {
  url: string;
  /** Everything written to stdout and stderr so far (unredacted: tests check what the service itself logs). */
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function serviceOptions(env: Record<string, string>) {
  return { name: env.SERVICE_NAME ?? 'service', args: ['--import', 'tsx', SERVER], env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env } };
}

/** Starts the service with exactly these env additions (PORT=0, HOST=127.0.0.1 unless given). */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const child = Supervised.spawn({ ...serviceOptions(env), keepOutput: true });
  await child.ready(START_TIMEOUT_MS);
  return {
    url: child.url,
    output: () => child.output(),
    stop: async (signal = 'SIGTERM') => (await child.stop(START_TIMEOUT_MS, signal)).code,
  };
}

/** Runs the service expecting it to refuse to start; resolves with its exit code and output. */
export async function runServiceExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const r = await runToExit({ ...serviceOptions(env), timeoutMs: START_TIMEOUT_MS });
  return { code: r.code, output: r.output };
}
