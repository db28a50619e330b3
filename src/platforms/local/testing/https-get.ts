// Test helper: GET over HTTPS trusting only a given CA, answer as text (what `curl --cacert` does).
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface GetAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpsGet(url: string, caPem: string | Buffer, headers: Record<string, string> = {}): Promise<GetAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * True while a process with this pid runs (signal 0 probes without sending anything). A zombie counts as
 * gone: it has exited, and an init that does not reap (as in some containers) would keep it listed.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the probe and the read, or no /proc on this system (then the probe is all we know).
    return !existsSync('/proc/self/stat');
  }
}

/** Polls until `check()` is true or `timeoutMs` passed; returns the last value of check(). */
export async function eventually(check: () => boolean, timeoutMs = 30_000, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return check();
}
