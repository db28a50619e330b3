// The plan executor on real processes (sh one-liners): probes, captures into later steps, bounded waits,
// failures that name the command and its exit code, and tokens never echoed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adviceFor, CommandFailedError, executePlan, knownAdvice, redact, WaitTimeoutError } from './exec.ts';
import { formatPlan, type Plan } from './plan.ts';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 's2s-exec-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const sh = (script: string) => ['sh', '-c', script];

describe('executePlan', () => {
  it('skips what the probe finds, passes captures on, writes files and records only what it created', async () => {
    const created: string[] = [];
    const plan: Plan = {
      title: 't',
      steps: [
        { id: 'a', description: 'exists already', probe: sh('exit 0'), argv: sh('exit 9'), creates: { platform: 'gke', kind: 'k', name: 'a', deleteArgv: ['x'] } },
        { id: 'b', description: 'new', probe: sh('exit 1'), argv: sh('echo hello-$((40+2))'), capture: 'greeting', creates: { platform: 'gke', kind: 'k', name: 'b', deleteArgv: ['x'] } },
        { id: 'c', description: 'uses it', files: [{ fileName: 'f.yaml', text: 'v: {{greeting}}\n' }], argv: ['sh', '-c', 'cat "$0"', '{{manifest}}'], capture: 'file' },
      ],
    };
    const out = await executePlan(plan, { workRoot: work, log: () => {}, onCreated: (r) => created.push(r.name) });
    expect(out.skipped).toEqual(['a']);
    expect(out.ran).toEqual(['b', 'c']);
    expect(out.vars['file']).toBe('v: hello-42');
    expect(created).toEqual(['b']);
  });

  it('a failing command raises an error naming the step, the command, the exit code and advice; no token leaks', async () => {
    const plan: Plan = { title: 't', steps: [{ id: 'x', description: 'grant access', argv: sh('echo "PERMISSION_DENIED for eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln" >&2; exit 7') }] };
    const err = await executePlan(plan, { workRoot: work, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    const message = (err as Error).message;
    expect(message).toMatch(/step "grant access" failed: `sh -c .*` exited with code 7/);
    expect(message).toMatch(/lacks a permission/);
    expect(message).not.toContain('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0');
  });

  it('a wait gives up after its attempts with the timeout hint, pausing between attempts only', async () => {
    const pauses: number[] = [];
    const plan: Plan = { title: 't', steps: [{ id: 'w', description: 'wait for it', argv: sh('echo'), wait: { attempts: 4, delayMs: 5, until: (s) => s !== '', timeoutHint: 'look at X' } }] };
    const err = await executePlan(plan, { workRoot: work, log: () => {}, sleep: async (ms) => void pauses.push(ms) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/was not ready after 4 checks[\s\S]*what to do: look at X/);
    expect(pauses).toEqual([5, 5, 5]);
  });

  it('a placeholder nobody set is a bug reported before anything runs', async () => {
    const plan: Plan = { title: 't', steps: [{ id: 'p', description: 'p', argv: ['echo', '{{nope}}'] }] };
    await expect(executePlan(plan, { workRoot: work, log: () => {} })).rejects.toThrow(/uses \{\{nope\}\} before any step set it/);
  });
});

describe('helpers', () => {
  it('redact hides JWT shapes', () => {
    expect(redact('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig end')).toBe('token eyJ…[redacted] end');
  });
  it('advice puts the recognised cause first, then the step hint; generic otherwise', () => {
    expect(adviceFor('ERROR: SERVICE_DISABLED run.googleapis.com', 1, ['gcloud'], 'step hint')).toMatch(/^enable the API: `gcloud services enable run.googleapis.com.*; also: step hint$/);
    expect(adviceFor('weird', 1, ['gcloud'])).toMatch(/fix the cause, then run the same deploy again/);
    expect(adviceFor('', 127, ['kubectl'])).toMatch(/kubectl is not installed/);
  });
  it('formatPlan shows probes, captures, teardown records and file contents', () => {
    const text = formatPlan({
      title: 'demo',
      steps: [{ id: 's', description: 'make it', probe: ['get', 'it'], argv: ['make', 'it', 'with space'], capture: 'v', files: [{ fileName: 'a.yaml', text: 'k: v\n' }], creates: { platform: 'gke', kind: 'thing', name: 'it', deleteArgv: ['rm', 'it'] } }],
    });
    expect(text).toContain("$ make it 'with space'");
    expect(text).toContain('check first: get it');
    expect(text).toContain('stdout saved as {{v}}');
    expect(text).toContain('recorded for teardown: thing it (delete: rm it)');
    expect(text).toContain('k: v');
  });
});

describe('knownAdvice for a denied permission names the role of the README that grants it', () => {
  it.each([
    ['ERROR: PERMISSION_DENIED: Permission iam.serviceAccounts.create denied on resource', 'roles/iam.serviceAccountAdmin'],
    ["ERROR: PERMISSION_DENIED: Permission 'iam.serviceAccounts.actAs' denied on service account s2s-build@demo.iam.gserviceaccount.com", 'roles/iam.serviceAccountUser'],
    ['ERROR: PERMISSION_DENIED: Permission iam.serviceAccounts.getOpenIdToken denied', 'roles/iam.serviceAccountTokenCreator (on s2s-smoke)'],
    ['ERROR: (gcloud.projects.add-iam-policy-binding) [me@example.com] does not have permission to access projects instance [demo:setIamPolicy] (or it may not exist): resourcemanager.projects.setIamPolicy', 'roles/resourcemanager.projectIamAdmin'],
    ['ERROR: PERMISSION_DENIED: Required compute.forwardingRules.list permission for projects/demo', 'roles/compute.networkViewer'],
    ['ERROR: PERMISSION_DENIED: storage.buckets.create denied', 'roles/storage.admin'],
  ])('%s', (stderr, role) => {
    expect(knownAdvice(stderr, 1, ['gcloud'])).toContain(`which ${role} grants`);
  });

  it('without a permission name it still says it is one, and where the roles are listed', () => {
    expect(knownAdvice('ERROR: 403 Forbidden', 1, ['gcloud'])).toBe(
      'your account lacks a permission for this command: ask a project owner for it (the README, "Run it on your project", lists every role deploy needs and what for), then run the same deploy again',
    );
  });
});
