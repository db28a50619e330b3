import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ProcessStartError, runToExit, stopAll, Supervised } from './supervised.ts';

const node = (code: string) => ['-e', code];
const LISTENING = `console.log(JSON.stringify({ msg: 'listening', url: 'http://127.0.0.1:1234/' }));`;
const FAKE_JWT = ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJ4In0', 'c2lnbmF0dXJlLXNpZ25hdHVyZQ'].join('.');

afterAll(() => stopAll(1000));

/** Running (a zombie waiting for its new parent to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('Supervised', () => {
  it('is ready on its listening line and gives the URL without the trailing slash', async () => {
    const child = Supervised.spawn({ name: 'svc', args: node(`console.log('warming up'); ${LISTENING} setInterval(() => {}, 1000);`) });
    expect(await child.ready(30_000)).toBe('http://127.0.0.1:1234');
    expect(child.alive).toBe(true);
    expect(await child.stop(5000)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(child.alive).toBe(false);
  });

  it('a child that exits before its ready line fails with its code and last output, tokens redacted', async () => {
    const child = Supervised.spawn({ name: 'broken', args: node(`console.error('bad config: token ${FAKE_JWT}'); process.exit(3);`) });
    const error = await child.ready(30_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as Error).message).toMatch(/^start broken failed: it exited \(code 3\) before its "listening" line; last output:\n {4}bad config: token /);
    expect((error as Error).message).not.toContain(FAKE_JWT);
  });

  it('a child that never prints its ready line times out, and stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = Supervised.spawn({ name: 'stuck', args: node(`process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('started'); setInterval(() => {}, 1000);`) });
    await child.waitForLine((line) => line === 'started', 30_000);
    await expect(child.ready(200)).rejects.toThrow(/timed out after 200 ms without its "listening" line; last output:\n {4}started/);
    expect(await child.stop(300)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.tail()).toContain('ignoring SIGTERM');
  });

  it('keepOutput keeps what the child wrote, unredacted; log lines are prefixed and redacted', async () => {
    const lines: string[] = [];
    const child = Supervised.spawn({ name: 'talker', args: node(`console.log('out ${FAKE_JWT}'); console.error('err');`), keepOutput: true, log: (l) => lines.push(l) });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toBe(`out ${FAKE_JWT}\n`);
    expect(child.stderr()).toBe('err\n');
    expect(lines).toContain('[talker] err');
    expect(lines.join('\n')).not.toContain(FAKE_JWT);
  });

  it('a command that cannot be spawned resolves exited, with the reason in its tail', async () => {
    const child = Supervised.spawn({ name: 'missing', command: '/nonexistent/s2s-no-such-binary', args: [] });
    expect(await child.exited).toEqual({ code: null, signal: null });
    expect(child.tail()).toContain('spawn failed');
  });

  it('leaves no child behind when the parent exits without stopping it', async () => {
    const parent = await runToExit({
      name: 'parent',
      args: ['--import', 'tsx', '--input-type=module', '-e', `
        import { Supervised } from ${JSON.stringify(new URL('./supervised.ts', import.meta.url).pathname)};
        const child = Supervised.spawn({ name: 'sleeper', args: ['-e', 'setInterval(() => {}, 1000)'] });
        console.log(child.pid);
        setTimeout(() => process.exit(0), 200);
      `],
      timeoutMs: 60_000,
    });
    expect(parent.code, parent.output).toBe(0);
    const pid = Number(parent.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // SIGKILLed by the parent's exit hook.
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 10_000, interval: 20 });
  });
});

describe('runToExit', () => {
  it('returns code, stdout, stderr and the interleaved output', async () => {
    const r = await runToExit({ name: 'x', args: node(`process.stdout.write('a'); process.stderr.write('b'); process.exitCode = 4;`) });
    expect(r).toMatchObject({ code: 4, signal: null, stdout: 'a', stderr: 'b', timedOut: false });
    expect(r.output.split('').sort().join('')).toBe('ab');
  });

  it('kills a command that outlives its timeout', async () => {
    const r = await runToExit({ name: 'sleeper', args: node('setInterval(() => {}, 1000)'), timeoutMs: 300 });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
  });
});
