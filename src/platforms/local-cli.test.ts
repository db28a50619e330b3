// `npm run platform:local` as a real process: JSON first line, curl-equivalent calls, signals, no leftovers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { PingResult } from '../contract/ping.ts';
import { httpsGet } from './local/testing/https-get.ts';
import { eventually, isAlive } from '../process/testing/processes.ts';
import { execFileSync } from 'node:child_process';
import { curlLines, envLines, parseLocalCliFlags } from './local-cli.ts';

const REPO = join(import.meta.dirname, '..', '..');
const START_BUDGET_MS = 120_000;

interface Description {
  platform: string;
  urls: { ping: string; pongSec: string; pongUnsec: string; external: string; metadata: string; certs: string };
  caFile: string;
  pids: Record<string, number>;
  serviceAccount: string;
  curl: string[];
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(command: string, args: string[]): { child: ChildProcess; firstLine: Promise<string>; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  started.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing a line; stderr:\n${stderr}`)));
  });
  firstLine.catch(() => undefined); // awaited only by the tests that expect output
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, stderr: () => stderr, exit };
}

describe('npm run platform:local', () => {
  it(
    '--json: the first stdout line is one JSON object; its curl line works; SIGTERM to npm stops everything',
    async () => {
      // --silent: npm itself prints a "> script" banner on stdout otherwise.
      const proc = run('npm', ['run', '--silent', 'platform:local', '--', '--json']);
      const description = JSON.parse(await proc.firstLine) as Description;
      expect(description.platform).toBe('local');
      expect(description.serviceAccount).toBe('ping-sa@s2s-local.iam.gserviceaccount.com');
      expect(Object.keys(description.pids).sort()).toEqual(['external', 'ping', 'pongSec', 'pongUnsec']);
      expect(description.curl[0]).toBe(`curl --cacert ${description.caFile} "${description.urls.ping}/ping?target=pong-sec&count=1000&auth=id-token"`);

      // What the first curl line does, with a smaller count.
      const ca = readFileSync(description.caFile);
      const answer = await httpsGet(`${description.urls.ping}/ping?target=pong-sec&count=50&auth=id-token`, ca);
      const result = JSON.parse(answer.body) as PingResult;
      expect(result.calls).toBe(50);
      expect(result.errors.total).toBe(0);
      expect(result.first.phasesMs.tokenMs).toBeGreaterThan(0);

      proc.child.kill('SIGTERM');
      const pids = Object.values(description.pids);
      expect(await eventually(() => pids.every((pid) => !isAlive(pid)), 60_000)).toBe(true);
      expect(await eventually(() => !existsSync(dirname(description.caFile)), 30_000)).toBe(true);
      await proc.exit;
    },
    START_BUDGET_MS,
  );

  it(
    'the services stop themselves when the platform process is killed outright (SIGKILL)',
    async () => {
      const proc = run(process.execPath, ['--import', 'tsx', 'scripts/platform-local.ts', '--json']);
      const description = JSON.parse(await proc.firstLine) as Description;
      const pids = Object.values(description.pids);
      expect(pids.every(isAlive)).toBe(true);
      proc.child.kill('SIGKILL');
      await proc.exit;
      // Nothing can run in the killed process: each service notices it was orphaned and stops itself.
      expect(await eventually(() => pids.every((pid) => !isAlive(pid)), 60_000)).toBe(true);
      // ... and remove the temp dir (CA key included) that the killed process could not.
      const dir = dirname(description.caFile);
      const removed = await eventually(() => !existsSync(dir), 30_000);
      rmSync(dir, { recursive: true, force: true });
      expect(removed).toBe(true);
    },
    START_BUDGET_MS,
  );

  it('--help prints the flags and exits 0', async () => {
    const proc = run(process.execPath, ['--import', 'tsx', 'scripts/platform-local.ts', '--help']);
    expect(await proc.firstLine).toMatch(/^Usage: s2s platform/);
    expect(await proc.exit).toBe(0);
  });

  it('a bad flag exits 2 with one line naming the flag, before starting anything', async () => {
    const proc = run(process.execPath, ['--import', 'tsx', 'scripts/platform-local.ts', '--pong-delay-ms', '-5']);
    expect(await proc.exit).toBe(2);
    expect(proc.stderr()).toBe('s2s platform: --pong-delay-ms "-5": expected a number of ms from 0 to 10000\n');
  });
});

describe('parseLocalCliFlags', () => {
  it.each([
    [['--pong-delay-ms', 'abc'], '--pong-delay-ms "abc": expected a number of ms from 0 to 10000'],
    [['--pong-delay-ms', '20000'], '--pong-delay-ms "20000": expected a number of ms from 0 to 10000'],
    [['--start-timeout-ms', '5'], '--start-timeout-ms "5": expected an integer number of ms from 1000 to 600000'],
    [['--runtime', 'docker'], '--runtime "docker": expected bundle or tsx'],
    [['--bogus'], '--bogus: unknown flag; run with --help for the flags'],
    [['--json', '--env'], '--json and --env exclude each other: one prints a JSON line, the other shell lines'],
  ])('rejects %j in one line: %s', (args, message) => {
    expect(() => parseLocalCliFlags(args)).toThrow(message);
  });

  it('defaults', () => {
    expect(parseLocalCliFlags([])).toEqual({ json: false, env: false, verbose: false, help: false, 'pong-delay-ms': 0, 'external-delay-ms': 0, 'start-timeout-ms': 60_000, runtime: 'bundle' });
  });
});

describe('envLines', () => {
  it('gives export lines a POSIX shell reads back exactly, even for a path with spaces and quotes', () => {
    const caFile = "/tmp/it's here/ca.pem";
    const lines = envLines({
      caFile,
      urls: { ping: 'https://127.0.0.1:1', pongSec: 'https://127.0.0.1:2', pongUnsec: 'https://127.0.0.1:3', external: 'https://127.0.0.1:4', metadata: 'http://127.0.0.1:5', certs: 'http://127.0.0.1:5/oauth2/v3/certs' },
    });
    expect(lines[1]).toBe('export PING=https://127.0.0.1:1');
    const echoed = execFileSync('sh', ['-c', `${lines.join('\n')}\nprintf '%s|%s|%s|%s' "$CA" "$PING" "$PONG_UNSEC" "$PONG_SEC"`], { encoding: 'utf8' });
    expect(echoed).toBe(`${caFile}|https://127.0.0.1:1|https://127.0.0.1:3|https://127.0.0.1:2`);
  });
});

describe('curlLines', () => {
  it("gives the secured, unsecured, 401 and the post's own form", () => {
    const lines = curlLines({
      caFile: '/tmp/x/ca.pem',
      urls: { ping: 'https://127.0.0.1:1', pongSec: 'https://127.0.0.1:2', pongUnsec: 'https://127.0.0.1:3', external: 'https://127.0.0.1:4', metadata: 'http://127.0.0.1:5', certs: 'http://127.0.0.1:5/oauth2/v3/certs' },
    });
    expect(lines).toEqual([
      'curl --cacert /tmp/x/ca.pem "https://127.0.0.1:1/ping?target=pong-sec&count=1000&auth=id-token"',
      'curl --cacert /tmp/x/ca.pem "https://127.0.0.1:1/ping?target=pong-unsec&count=1000&auth=none"',
      'curl --cacert /tmp/x/ca.pem "https://127.0.0.1:1/ping?target=pong-sec&count=1000&auth=none"',
      'curl --cacert /tmp/x/ca.pem "https://127.0.0.1:1/ping?url=https://127.0.0.1:3/pong&nbcall=10&useGoogleClient=false"',
      'curl --cacert /tmp/x/ca.pem "https://127.0.0.1:1/ping?target=external&count=100&auth=none&format=text"',
    ]);
  });
});
