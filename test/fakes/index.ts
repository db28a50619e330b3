// Puts stand-in gcloud / kubectl / asmcli / istioctl on PATH for a test and reads back what they were asked.
// Reusable by any test that drives cloud CLIs: `const fake = createFakeClis(rules)`, then use `fake.env`.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_CLI = fileURLToPath(new URL('./fake-cli.mjs', import.meta.url));
export const FAKE_NAMES = ['gcloud', 'kubectl', 'asmcli', 'istioctl'] as const;

export interface FakeRule {
  cli?: (typeof FAKE_NAMES)[number];
  /** Prefix of the arguments (after the program name). */
  argv?: string[];
  /** Arguments that must all be present. */
  includes?: string[];
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Used up after one match. */
  once?: boolean;
}

export interface FakeCall {
  cli: string;
  argv: string[];
  /** Manifest files the command read, by path, as they were when it ran. */
  files: Record<string, string>;
}

export interface FakeClis {
  dir: string;
  binDir: string;
  /** process.env with the fakes first on PATH and S2S_FAKE_DIR set (add S2S_STATE_DIR yourself). */
  env: NodeJS.ProcessEnv;
  setRules(rules: FakeRule[]): void;
  calls(): FakeCall[];
  /** Each call as one line: "gcloud run services replace …". */
  lines(): string[];
  clearLog(): void;
  cleanup(): void;
}

export function createFakeClis(rules: FakeRule[] = [], names: readonly string[] = FAKE_NAMES): FakeClis {
  const dir = mkdtempSync(join(tmpdir(), 's2s-fake-'));
  const binDir = dir;
  writeFileSync(join(dir, 'responses.json'), JSON.stringify(rules));
  // One wrapper per name, so `which gcloud` finds it like the real thing.
  for (const name of names) {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CLI}" ${name} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const logPath = join(dir, 'log.jsonl');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}`, S2S_FAKE_DIR: dir };
  const calls = (): FakeCall[] =>
    existsSync(logPath)
      ? readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as FakeCall)
      : [];
  return {
    dir,
    binDir,
    env,
    setRules(next) {
      writeFileSync(join(dir, 'responses.json'), JSON.stringify(next));
      rmSync(join(dir, 'used.json'), { force: true });
    },
    calls,
    lines: () => calls().map((c) => [c.cli, ...c.argv].join(' ')),
    clearLog: () => rmSync(logPath, { force: true }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const FAKE_URLS = Object.freeze({
  ping: 'https://latency-ping-abc123-uc.a.run.app',
  'pong-sec': 'https://latency-pong-sec-abc123-uc.a.run.app',
  'pong-unsec': 'https://latency-pong-unsec-abc123-uc.a.run.app',
});
export const FAKE_LB_IP = '34.118.1.2';
export const FAKE_INTERNAL_LB_IP = '10.128.0.9';

/**
 * Canned answers for a project where nothing exists yet (`exists: false`: every describe/get probe says
 * NOT_FOUND) or where everything deploy makes is already there (`exists: true`). Failure rules go first.
 */
export function cloudWorld(opts: { exists: boolean; cluster?: string; project?: string; region?: string; failures?: FakeRule[] }): FakeRule[] {
  const cluster = opts.cluster ?? 's2s-latency';
  const project = opts.project ?? 'demo';
  const region = opts.region ?? 'us-central1';
  const meshJson = JSON.stringify({
    name: `projects/${project}/locations/global/features/servicemesh`,
    membershipStates: { [`projects/123456/locations/${region}/memberships/${cluster}`]: { servicemesh: { controlPlaneManagement: { state: 'ACTIVE' } } } },
  });
  const rules: FakeRule[] = [
    ...(opts.failures ?? []),
    { cli: 'gcloud', argv: ['auth', 'list'], stdout: 'me@example.com\n' },
    { cli: 'gcloud', argv: ['projects', 'describe', project], stdout: `${project}\n` },
    { cli: 'gcloud', includes: ['latency-ping', '--format=value(status.url)'], stdout: `${FAKE_URLS.ping}\n` },
    { cli: 'gcloud', includes: ['latency-pong-sec', '--format=value(status.url)'], stdout: `${FAKE_URLS['pong-sec']}\n` },
    { cli: 'gcloud', includes: ['latency-pong-unsec', '--format=value(status.url)'], stdout: `${FAKE_URLS['pong-unsec']}\n` },
    { cli: 'gcloud', argv: ['container', 'fleet', 'mesh', 'describe'], includes: ['--format=json'], stdout: meshJson },
    { cli: 'kubectl', argv: ['get', 'service', 'ping-internal'], stdout: FAKE_INTERNAL_LB_IP },
    { cli: 'kubectl', argv: ['get', 'service', 'ping'], stdout: FAKE_LB_IP },
  ];
  if (opts.exists) {
    rules.push({ cli: 'gcloud', includes: ['describe'], stdout: 'exists\n' }, { cli: 'kubectl', argv: ['get'], stdout: 'exists\n' });
  } else {
    rules.push(
      { cli: 'gcloud', includes: ['describe'], exitCode: 1, stderr: 'ERROR: (gcloud) NOT_FOUND: Resource not found.\n' },
      { cli: 'kubectl', argv: ['get'], exitCode: 1, stderr: 'Error from server (NotFound): not found\n' },
    );
  }
  return rules;
}
