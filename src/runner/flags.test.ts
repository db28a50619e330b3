import { describe, expect, it } from 'vitest';
import { durationSec, helpText, parseRunnerFlags, parseStages, FLAG_SPECS } from './flags.ts';

describe('parseRunnerFlags', () => {
  it('defaults: probe, 1000 calls, 1 batch, reuse, auto engine, ndjson on for probe', () => {
    expect(parseRunnerFlags(['local'])).toEqual({
      platform: 'local', scenario: 'probe', count: 1000, batches: 1, connection: 'reuse', ratePerSec: 100, duration: '30s',
      stages: null, batchCount: 10, maxVUs: null, thresholds: [], repeat: 1, engine: 'auto', outNdjson: true, resultsDir: 'results',
      pongDelayMs: null, dashboard: false, platformFile: null, quiet: false, githubAnnotations: process.env.GITHUB_ACTIONS === 'true', warnings: [],
    });
  });

  it('--dashboard asks for the live page', () => {
    expect(parseRunnerFlags(['local', '--dashboard'])?.dashboard).toBe(true);
    expect(helpText()).toMatch(/--dashboard\s+live web dashboard/);
    expect(helpText()).toContain('K6_WEB_DASHBOARD=true (same as --dashboard)');
  });

  it('--github-annotations: on when asked, and by default only under GitHub Actions', () => {
    expect(parseRunnerFlags(['local', '--github-annotations'])?.githubAnnotations).toBe(true);
    const saved = process.env.GITHUB_ACTIONS;
    try {
      process.env.GITHUB_ACTIONS = 'true';
      expect(parseRunnerFlags(['local'])?.githubAnnotations).toBe(true);
      delete process.env.GITHUB_ACTIONS;
      expect(parseRunnerFlags(['local'])?.githubAnnotations).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
  });

  it('load: keeps its samples (ndjson) unless --no-out-ndjson; stages; repeatable thresholds; --repeat', () => {
    const f = parseRunnerFlags(['local', '--scenario', 'load', '--stages', '5s:100,10s:500', '--threshold', 's2s_errors=rate<0.1', '--threshold', 's2s_latency_ms=p(95)<9']);
    expect(f?.outNdjson).toBe(true);
    expect(parseRunnerFlags(['local', '--scenario', 'load', '--no-out-ndjson'])?.outNdjson).toBe(false);
    expect(() => parseRunnerFlags(['local', '--out-ndjson', '--no-out-ndjson'])).toThrow(/contradict/);
    expect(parseRunnerFlags(['local', '--repeat', '5'])?.repeat).toBe(5);
    expect(() => parseRunnerFlags(['local', '--repeat', '0'])).toThrow(/--repeat "0": must be an integer in 1\.\.1000/);
    expect(f?.stages).toEqual([{ duration: '5s', target: 100 }, { duration: '10s', target: 500 }]);
    expect(f?.thresholds).toHaveLength(2);
    expect(parseRunnerFlags(['local', '--scenario', 'load', '--out-ndjson'])?.outNdjson).toBe(true);
  });

  it('--help returns null', () => {
    expect(parseRunnerFlags(['local', '--help'])).toBeNull();
    expect(parseRunnerFlags(['--help'])).toBeNull();
  });

  it.each([
    [[], 'missing platform'],
    [['aws'], 'platform "aws": must be one of local, cloudrun, gke, cross'],
    [['local', '--count', '0'], '--count "0": must be an integer in 1..10000000'],
    [['local', '--count', '1e3'], '--count "1e3"'],
    [['local', '--scenario', 'soak'], '--scenario "soak": must be one of probe, load, direct'],
    [['local', '--connection', 'keep'], '--connection "keep"'],
    [['local', '--duration', '10'], '--duration "10": must be a k6 duration'],
    [['local', '--stages', '10s'], 'must be <duration>:<rate>'],
    [['local', '--engine', 'wrk'], '--engine "wrk"'],
    [['local', '--threshold', 'nope'], '--threshold "nope"'],
    [['local', '--bogus'], '--bogus: unknown flag; run with --help for the flags'],
    [['local', '--rate', '-5'], '--rate "-5": must be a number in 0.001..100000.'],
    [['local', '--count'], '--count needs a value; run with --help for the flags'],
    [['local', '--quiet=yes'], '--quiet takes no value (got "yes")'],
    [['local', '--threshold', 'nosuch_metric=p(95)<1'], 'no metric "nosuch_metric" in this run; the scenario metrics are s2s_latency_ms, s2s_first_ms'],
    [['local', '--threshold', 's2s_calls=p(95)<1'], '"s2s_calls" is a counter: its aggregations are count, rate, not p(95)'],
    [['cloudrun', '--platform-file', 'p.json'], '--platform-file works on the local platform only'],
    [['local', '--platform-file', 'p.json', '--pong-delay-ms', '3'], '--pong-delay-ms does not apply with --platform-file'],
    [['local', 'extra'], 'unexpected argument(s) "extra"'],
    [['cloudrun', '--pong-delay-ms', '5'], '--pong-delay-ms works on the local platform only'],
  ])('%j → %s', (argv, message) => {
    expect(() => parseRunnerFlags(argv)).toThrow(message);
    try {
      parseRunnerFlags(argv);
    } catch (e) {
      expect((e as Error).message, 'one line').not.toContain('\n');
    }
  });

  it.each([
    [['--scenario', 'load', '--count', '5'], ['--count does not apply to --scenario load (only to probe, direct); ignored.']],
    [['--scenario', 'probe', '--rate', '5', '--max-vus', '3'], ['--rate does not apply to --scenario probe (only to load); ignored.', '--max-vus does not apply to --scenario probe (only to load); ignored.']],
    [['--scenario', 'load', '--stages', '5s:10', '--rate', '5'], ['--rate does not apply with --stages (the stages set the rate over time); ignored.']],
    [['--scenario', 'load', '--rate', '5', '--batch-count', '2'], []],
    [['--count', '1000'], []],
  ])('flags that do not apply to the scenario warn, naming both: %j', (argv, warnings) => {
    expect(parseRunnerFlags(['local', ...argv])?.warnings).toEqual(warnings);
  });

  it('a threshold on any contract or k6 metric, with a tag filter, is accepted', () => {
    expect(parseRunnerFlags(['local', '--threshold', 'http_req_duration{status:200}=p(99)<500', '--threshold', 'checks=rate>0.9'])?.thresholds).toEqual([
      { metric: 'http_req_duration{status:200}', expression: 'p(99)<500' },
      { metric: 'checks', expression: 'rate>0.9' },
    ]);
  });

  it('help lists every flag with its default', () => {
    const help = helpText();
    for (const name of Object.keys(FLAG_SPECS)) expect(help).toContain(`--${name}`);
    expect(help).toContain('(default: 1000)');
    expect(help).toContain('(default: probe)');
  });

  it('durations and stages', () => {
    expect(durationSec('1m30s')).toBe(90);
    expect(durationSec('500ms')).toBe(0.5);
    expect(() => parseStages('5s:1:2')).toThrow('must be <duration>:<rate>');
  });
});
