// Banner and progress lines against the layout of real k6 v1.3.0's output (fixtures/k6-v1.3.0/pass/stdout.txt).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from './options.ts';
import { plainDue, renderBanner, renderProgress } from './progress.ts';

const FIXTURE = readFileSync(new URL('../../test/fixtures/k6-v1.3.0/pass/stdout.txt', import.meta.url), 'utf8').split('\n');
const fixtureLine = (prefix: string) => FIXTURE.find((l) => l.trimStart().startsWith(prefix)) ?? '';

const scenarios = [
  parseScenario('probe', { executor: 'shared-iterations', vus: 2, iterations: 20, exec: 'probe', tags: { kind: 'probe' } }),
  parseScenario('load', { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '2s', preAllocatedVUs: 4, maxVUs: 8, startTime: '0s', exec: 'load' }),
];

describe('banner', () => {
  const banner = renderBanner({ version: '9.9.9', scriptPath: 'reference.js', outputs: ['json (out-pass/out.ndjson)'], scenarios }).split('\n');

  it.each(['execution:', 'script:', 'output:', 'scenarios:', '* load:', '* probe:'])('prints the %s line exactly like k6', (prefix) => {
    expect(banner.find((l) => l.trimStart().startsWith(prefix))).toBe(fixtureLine(prefix));
  });

  it('names the engine instead of the k6 logo', () => expect(banner).toContain('  s2s embedded engine (k6-compatible) v9.9.9'));

  it('describes the other executors', () => {
    const text = renderBanner({
      version: '1',
      scriptPath: 's.js',
      outputs: [],
      scenarios: [
        parseScenario('a', { executor: 'per-vu-iterations', vus: 3, iterations: 4 }),
        parseScenario('b', { executor: 'constant-vus', vus: 5, duration: '30s', startTime: '10s' }),
        parseScenario('c', { executor: 'ramping-vus', stages: [{ duration: '1m', target: 10 }, { duration: '30s', target: 0 }] }),
        parseScenario('d', { executor: 'ramping-arrival-rate', preAllocatedVUs: 2, stages: [{ duration: '1m', target: 20 }] }),
      ],
    });
    expect(text).toContain('output: -');
    expect(text).toContain('4 scenarios, 20 max VUs');
    expect(text).toContain('* a: 4 iterations for each of 3 VUs (maxDuration: 10m0s, gracefulStop: 30s)');
    expect(text).toContain('* b: 5 looping VUs for 30s (startTime: 10s, gracefulStop: 30s)');
    expect(text).toContain('* c: Up to 10 looping VUs for 1m30s over 2 stages (gracefulRampDown: 30s, gracefulStop: 30s)');
    expect(text).toContain('* d: Up to 20.00 iterations/s for 1m0s over 1 stages (maxVUs: 2-2, gracefulStop: 30s)');
  });
});

describe('progress block', () => {
  it('aligns like k6 (running line and one line per scenario)', () => {
    const lines = renderProgress(
      {
        elapsedMs: 1000,
        activeVUs: 0,
        maxVUs: 6,
        scenarios: [
          { name: 'probe', progress: 1, done: true, vusText: '2 VUs', timeText: '00m00.0s/10m0s', rightText: '20/20 shared iters', activeVUs: 0, completed: 20, interrupted: 0 },
          { name: 'load', progress: 0.5, done: false, vusText: '0/4 VUs', timeText: '1.0s/2s', rightText: '50.00 iters/s', activeVUs: 0, completed: 50, interrupted: 0 },
        ],
      },
      { tty: false },
    );
    const at = FIXTURE.indexOf('running (00m01.0s), 00/06 VUs, 70 complete and 0 interrupted iterations');
    expect(at).toBeGreaterThan(0);
    expect(lines).toEqual(FIXTURE.slice(at, at + 3));
  });

  it('prints every second at first, then every 10 s, never twice for the same slot', () => {
    expect(plainDue(500, null)).toBe(false);
    expect(plainDue(1000, null)).toBe(true);
    expect(plainDue(1500, 1000)).toBe(false);
    expect(plainDue(2100, 1000)).toBe(true);
    expect(plainDue(15_000, 9000)).toBe(true);
    expect(plainDue(19_000, 10_000)).toBe(false);
    expect(plainDue(20_000, 10_000)).toBe(true);
  });
});
