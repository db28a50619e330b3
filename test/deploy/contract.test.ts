// The contract with the real CLIs. Every deploy, smoke check, teardown and distributed run is walked through
// against the recording stand-ins (each mesh mode and cluster mode, fresh and resumed), and every command line
// they received is then given to the real tool: gcloud with CLOUDSDK_CONFIG an empty directory and no network
// (it parses every flag, then stops at "no active account", exit 1; an argument error exits 2), kubectl with an
// empty kubeconfig (flags parsed, then "context was not found"; an unknown flag is its own error). Every
// kustomization `kubectl apply -k` received is rendered by the real `kubectl kustomize`, and every manifest
// goes through its schema. Identical lines are checked once. A CLI that is absent is skipped with a message.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import type { K8sObject } from '../../src/platforms/deploy/kustomize.ts';
import type { FakeCall } from '../fakes/index.ts';
import { startFakeServices, type FakeServices } from '../fakes/services.ts';
import { commandOf, flagsOf, SURFACE, type FakeCli } from '../fakes/surface.ts';
import { openSession, type Session } from './harness.ts';
import { validate } from './schemas.ts';

const WHERE = ['--project', 'demo', '--region', 'us-central1'];
const FAST = ['--image-tag', 't1', '--wait-interval-s', '0', '--wait-timeout-s', '30'];

function installed(argv: string[]): boolean {
  const config = mkdtempSync(join(tmpdir(), 's2s-cli-probe-'));
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 60_000, env: { ...process.env, CLOUDSDK_CONFIG: config } });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}
const HAVE = { gcloud: installed(['gcloud', '--version']), kubectl: installed(['kubectl', 'version', '--client']) };
// No network for gcloud: its own network namespace when the kernel lets us make one, else proxies that go nowhere.
const UNSHARE = installed(['unshare', '--net', '--map-root-user', 'true']) ? ['unshare', '--net', '--map-root-user'] : [];

/** A command line as the real CLI will get it: files it reads are copied to a private path (their content is part of the key). */
interface Line {
  cli: FakeCli;
  argv: string[];
  /** Recorded content of files the command reads, by the path in argv. */
  files: Record<string, string>;
  key: string;
  /** Which walk-through made it (for the failure message). */
  from: string;
}

const lines = new Map<string, Line>();
const kustomizations: Array<{ from: string; dir: string; text: string }> = [];
const manifests: Array<{ from: string; text: string }> = [];
let services: FakeServices;
const sessions: Session[] = [];
let work: string;

function collect(from: string, calls: FakeCall[]): void {
  for (const call of calls) {
    const cli = call.cli as FakeCli;
    const hash = createHash('sha256').update(JSON.stringify([call.argv, call.files])).digest('hex');
    const key = `${cli} ${call.argv.join('\u0000')}`;
    const files = Object.keys(call.files).length > 0 ? call.files : {};
    const k = Object.keys(files).length > 0 ? `${key}#${hash}` : key;
    if (!lines.has(k)) lines.set(k, { cli, argv: call.argv, files, key: k, from });
    for (const [path, text] of Object.entries(call.files)) {
      if (basename(path) === 'kustomization.yaml') kustomizations.push({ from, dir: dirname(path), text });
      // deploy/cloudbuild.yaml is a Cloud Build config, not a manifest (test/deploy/image.test.ts reads it).
      else if (basename(path) !== 'cloudbuild.yaml') manifests.push({ from, text });
    }
    if (call.stdin) manifests.push({ from: `${from} (stdin)`, text: call.stdin });
  }
}

/** One walk-through in its own state dir: the steps run in order, all must succeed, every call is collected. */
async function walk(from: string, steps: Array<(s: Session) => Promise<void>>, world: Parameters<typeof openSession>[1] = {}): Promise<void> {
  const session = openSession(services, world);
  sessions.push(session);
  for (const step of steps) {
    session.fake.clearLog();
    await step(session);
    collect(from, session.fake.calls());
  }
}

const ok = async (p: Promise<{ code: number; out: string; err: string }>, what: string) => {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.err}\n${r.out}`);
};
const deploy = (argv: string[]) => (s: Session) => ok(s.run('deploy', argv), `deploy ${argv.join(' ')}`);
const teardown = (argv: string[]) => (s: Session) => ok(s.run('teardown', argv), `teardown ${argv.join(' ')}`);
/** The same deploy again where everything exists (the resumed path: probes succeed, creates are skipped). */
const resumed = (argv: string[], world: Parameters<Session['world']>[0] = {}) => async (s: Session) => {
  s.fake.setRules(s.world({ exists: true, ...world }));
  await deploy(argv)(s);
};

beforeAll(async () => {
  services = await startFakeServices();
  work = mkdtempSync(join(tmpdir(), 's2s-contract-'));
  const gke = (mesh: string, extra: string[] = []) => ['gke', ...WHERE, ...FAST, '--mesh', mesh, ...extra];
  const cloudrun = (extra: string[] = []) => ['cloudrun', ...WHERE, ...FAST, ...extra];
  // Run one after the other: the stand-ins are cheap, but 2 cores are shared.
  await walk('cloudrun', [deploy(cloudrun()), resumed(cloudrun()), teardown(['cloudrun', '--yes'])]);
  await walk('cloudrun private+internal+vpc', [deploy(cloudrun(['--ping-private', '--ping-ingress', 'internal', '--vpc-egress', 'default/default', '--cpu', '2', '--memory', '2Gi']))]);
  await walk('gke sidecar (fleet)', [deploy(gke('sidecar')), resumed(gke('sidecar')), teardown(['gke', '--yes'])]);
  await walk('gke sidecar asmcli', [deploy(gke('sidecar', ['--asmcli'])), teardown(['gke', '--yes'])]);
  await walk('gke sidecar standard', [deploy(gke('sidecar', ['--cluster-mode', 'standard', '--machine-type', 'e2-standard-8'])), teardown(['gke', '--yes'])], { clusterMode: 'standard' });
  await walk('gke ambient (standard)', [deploy(gke('ambient')), resumed(gke('ambient')), teardown(['gke', '--yes'])], { mesh: 'ambient', clusterMode: 'standard' });
  await walk('gke none', [deploy(gke('none')), resumed(gke('none'), { mesh: 'none' }), teardown(['gke', '--yes'])], { mesh: 'none' });
  await walk('gke none standard', [deploy(gke('none', ['--cluster-mode', 'standard'])), teardown(['gke', '--yes'])], { mesh: 'none', clusterMode: 'standard' });
  await walk('gke --distributed + distributed --apply', [
    deploy(gke('none', ['--distributed'])),
    async (s) => {
      s.fake.setRules(s.world({ exists: true, mesh: 'none' }));
      await ok(s.distributed(['--platform', 'gke', '--scenario', 'load', '--parallelism', '2', '--rate', '10', '--duration', '30s', '--apply']), 'distributed --apply');
    },
    teardown(['gke', '--yes']),
  ], { mesh: 'none' });
  await walk('cross + teardown:all', [
    deploy(cloudrun(['--vpc-egress', 'default/default'])),
    deploy(gke('sidecar')),
    resumed(['cross', '--wait-interval-s', '0']),
    teardown(['all', '--yes']),
  ]);
}, 300_000);

afterAll(async () => {
  for (const s of sessions) s.cleanup();
  rmSync(work, { recursive: true, force: true });
  await services?.close();
});

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!);
      }
    }),
  );
  return results;
}

interface Verdict {
  line: Line;
  code: number;
  stderr: string;
  ok: boolean;
}

/** Copies the files a line reads to private paths (their recorded content) and points argv at them. */
function materialize(line: Line, index: number): string[] {
  return line.argv.map((arg) => {
    const text = line.files[arg];
    if (text === undefined) return arg;
    const dir = join(work, 'files', String(index));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, basename(arg));
    writeFileSync(path, text);
    return path;
  });
}

function runReal(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env, timeout: 90_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr: String(stderr) });
    });
    child.stdin?.end();
  });
}

const NO_ACCOUNT = /You do not currently have an active account selected|gcloud auth login/;

function gcloudEnv(config: string): NodeJS.ProcessEnv {
  mkdirSync(config, { recursive: true });
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: config,
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    GCE_METADATA_HOST: '127.0.0.1:9',
    GCE_METADATA_ROOT: '127.0.0.1:9',
    GCE_METADATA_IP: '127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
  };
}

/** 0: needed no account (--version, config get-value); 1 + "no active account": every flag parsed. */
const gcloudVerdict = (line: Line, code: number, stderr: string): Verdict => ({ line, code, stderr, ok: code === 0 || (code === 1 && NO_ACCOUNT.test(stderr)) });

/** One `gcloud …` process per line: the plain way, ~1 s of start-up each. */
async function checkGcloud(line: Line, index: number): Promise<Verdict> {
  const { code, stderr } = await runReal([...UNSHARE, 'gcloud', ...materialize(line, index)], gcloudEnv(join(work, 'gcloud', String(index))));
  return gcloudVerdict(line, code, stderr);
}

/** Where the SDK's Python and lib live (the bundled interpreter when the SDK ships one, as the gcloud script prefers). */
function sdk(): { python: string; lib: string } {
  const root = dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' }).trim())));
  const bundled = join(root, 'platform', 'bundledpythonunix', 'bin', 'python3');
  return { python: process.env['CLOUDSDK_PYTHON'] ?? (existsSync(bundled) ? bundled : 'python3'), lib: join(root, 'lib') };
}

/**
 * The same parser without the start-up per line: gcloud's own CLI object in one Python process takes the lines
 * one after the other (test/deploy/gcloud-parse.py). Each worker has its own empty config directory.
 */
async function checkGcloudBatch(batch: Array<{ line: Line; index: number }>, worker: number): Promise<Verdict[]> {
  const { python, lib } = sdk();
  const argv = [...UNSHARE, python, join(REPO_ROOT, 'test', 'deploy', 'gcloud-parse.py'), lib];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env: gcloudEnv(join(work, 'gcloud-batch', String(worker))), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const verdicts: Verdict[] = [];
  try {
    for (const { line, index } of batch) {
      child.stdin.write(`${JSON.stringify(materialize(line, index))}\n`);
      const next = await answers.next();
      if (next.done) throw new Error(`gcloud-parse.py stopped after ${verdicts.length} lines: ${stderr.trim().split('\n').slice(-5).join(' / ')}`);
      const { code, stderr: said } = JSON.parse(next.value) as { code: number; stderr: string };
      verdicts.push(gcloudVerdict(line, code, said));
    }
  } finally {
    child.stdin.end();
    if (child.exitCode === null) child.kill();
  }
  return verdicts;
}

async function checkKubectl(line: Line, index: number): Promise<Verdict> {
  const config = join(work, 'kube', String(index));
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'config'), '');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: config, KUBECONFIG: join(config, 'config') };
  const { code, stderr } = await runReal(['kubectl', ...materialize(line, index)], env);
  const parsed = /context was not found for specified context|context "[^"]+" does not exist/.test(stderr);
  return { line, code, stderr, ok: code === 0 || (parsed && !/unknown (flag|shorthand flag|command)/.test(stderr)) };
}

function failures(verdicts: Verdict[]): string {
  return verdicts
    .filter((v) => !v.ok)
    .map((v) => `${v.line.cli} ${v.line.argv.join(' ')}\n  (from ${v.line.from}) exit ${v.code}: ${v.stderr.trim().split('\n').slice(0, 4).join(' / ')}`)
    .join('\n');
}

const byCli = (cli: FakeCli) => [...lines.values()].filter((l) => l.cli === cli);

describe('the plans against the real CLIs', () => {
  it.skipIf(!HAVE.gcloud)('the checker itself: a misspelled flag exits 2 and a good line reaches "no active account", one process per line and batched alike', async () => {
    const good: Line = { cli: 'gcloud', argv: ['container', 'clusters', 'create-auto', 'x', '--location', 'us-central1', '--project', 'demo'], files: {}, key: 'good', from: 'self-check' };
    const bad: Line = { ...good, argv: ['container', 'clusters', 'create-auto', 'x', '--locatoin', 'us-central1', '--project', 'demo'], key: 'bad' };
    const single = await Promise.all([checkGcloud(good, 10_000), checkGcloud(bad, 10_001)]);
    const batched = await checkGcloudBatch([{ line: good, index: 10_002 }, { line: bad, index: 10_003 }], 99);
    for (const [ok, wrong] of [single, batched]) {
      expect(ok).toMatchObject({ code: 1, ok: true });
      expect(wrong).toMatchObject({ code: 2, ok: false });
      expect(wrong!.stderr).toMatch(/unrecognized arguments:\s+--locatoin \(did you mean '--location'\?\)/);
    }
  }, 120_000);

  it.skipIf(!HAVE.gcloud)('every gcloud line of every plan parses in the real gcloud (exit 2 fails with the line and its message)', async () => {
    const todo = byCli('gcloud').map((line, index) => ({ line, index }));
    expect(todo.length).toBeGreaterThan(40);
    // Two Python processes, each running its half of the lines through gcloud's own CLI object; should that
    // shortcut not load on some SDK layout, one `gcloud` process per line (3 at a time) checks the same.
    const halves = [todo.filter((_, i) => i % 2 === 0), todo.filter((_, i) => i % 2 === 1)];
    let how = 'batched through gcloud\'s CLI object';
    const verdicts = await Promise.all(halves.map((half, worker) => checkGcloudBatch(half, worker)))
      .then((v) => v.flat())
      .catch(async (err: unknown) => {
        how = `one process per line (the batch path failed: ${(err as Error).message.split('\n')[0]})`;
        return pool(todo, 3, ({ line, index }) => checkGcloud(line, index));
      });
    console.log(`contract: checked ${verdicts.length} distinct gcloud lines with the real gcloud parser, ${how}, ${UNSHARE.length ? 'in a network namespace of their own' : 'network blocked by proxy settings'}; ${verdicts.filter((v) => v.ok).length} parsed`);
    expect(failures(verdicts)).toBe('');
  }, 240_000);

  it.skipIf(!HAVE.kubectl)('every kubectl line of every plan parses in the real kubectl', async () => {
    const todo = byCli('kubectl');
    expect(todo.length).toBeGreaterThan(15);
    const verdicts = await pool(todo, 3, (line) => checkKubectl(line, todo.indexOf(line)));
    console.log(`contract: checked ${verdicts.length} distinct kubectl lines with the real kubectl`);
    expect(failures(verdicts)).toBe('');
  }, 120_000);

  it('istioctl and asmcli lines: checked only where the CLI is installed', () => {
    for (const cli of ['istioctl', 'asmcli'] as const) {
      const todo = byCli(cli);
      expect(todo.length).toBeGreaterThan(0);
      if (!installed([cli, cli === 'asmcli' ? '--version' : 'version', ...(cli === 'istioctl' ? ['--remote=false'] : [])])) {
        console.log(`contract: ${cli} is not installed here: its ${todo.length} distinct lines are not checked against it (${todo.map((l) => l.argv.slice(0, 2).join(' ')).join('; ')})`);
      }
    }
  });

  it.each(['gcloud', 'kubectl'] as const)('the stand-in %s surface is exactly what the checked lines use: no command or flag the real CLI did not see', (cli) => {
    const used = new Map<string, Set<string>>();
    for (const line of byCli(cli)) {
      const spec = commandOf(cli, line.argv);
      expect(spec, line.argv.join(' ')).not.toBeNull();
      const flags = used.get(spec!.path) ?? new Set<string>();
      for (const f of flagsOf(line.argv)) flags.add(f);
      used.set(spec!.path, flags);
    }
    const unused = SURFACE[cli].flatMap((spec) => {
      const seen = used.get(spec.path);
      if (!seen) return [`${spec.path} (never used)`];
      return spec.flags.filter((f) => !seen.has(f)).map((f) => `${spec.path} ${f}`);
    });
    expect(unused).toEqual([]);
  });
});

describe('the manifests the plans apply', () => {
  it.skipIf(!HAVE.kubectl)('every kustomization `kubectl apply -k` received renders with the real `kubectl kustomize`, and each object validates', () => {
    const distinct = new Map(kustomizations.map((k) => [`${k.dir}\u0000${k.text}`, k]));
    expect(distinct.size).toBeGreaterThanOrEqual(5);
    let objects = 0;
    for (const k of distinct.values()) {
      // The generated kustomization names the repository's overlay relative to where it was written.
      mkdirSync(k.dir, { recursive: true });
      writeFileSync(join(k.dir, 'kustomization.yaml'), k.text);
      const rendered = execFileSync('kubectl', ['kustomize', k.dir], { encoding: 'utf8', timeout: 60_000 });
      for (const doc of parseAllDocuments(rendered)) {
        const o = doc.toJS() as K8sObject;
        expect(() => validate(o), `${k.from}: ${o.kind}/${o.metadata.name}`).not.toThrow();
        objects++;
      }
    }
    console.log(`contract: rendered ${distinct.size} distinct kustomizations with the real kubectl kustomize (${objects} objects, each schema-valid)`);
  });

  it('every other manifest a command read (Cloud Run services, istio-system, smoke pod, runners, TestRun stdin) validates', () => {
    let count = 0;
    for (const m of manifests) {
      for (const doc of parseAllDocuments(m.text)) {
        const o = doc.toJS() as K8sObject | null;
        if (!o) continue;
        count++;
        expect(o.kind, `${m.from}: a document without kind`).toBeDefined();
        if (o.kind === 'TestRun') continue; // checked against the k6-operator CRD in test/distributed
        expect(() => validate(o), `${m.from}: ${o.kind}/${o.metadata.name}`).not.toThrow();
      }
    }
    expect(count).toBeGreaterThan(10);
    expect(manifests.some((m) => parse(m.text.split('---')[0]!)?.kind === 'Service' && m.text.includes('serving.knative.dev'))).toBe(true);
  });
});
