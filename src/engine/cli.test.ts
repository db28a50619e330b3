// `s2s run` argument parsing: k6 flag names, clear errors for bad and unknown flags.
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from './cli.ts';
import { OptionsError } from './options.ts';

describe('parseRunArgs', () => {
  it('reads k6 flags', () => {
    const r = parseRunArgs(['s.js', '-e', 'A=1', '--env', 'B=x=y', '--vus', '3', '-d', '10s', '--out', 'json=o.ndjson.gz', '--summary-export', 's.json', '--summary-trend-stats', 'avg,p(99)', '--no-summary', '--no-thresholds', '-q', '--stage', '5s:2', '-s', '5s:0']);
    expect(r).toEqual({
      help: false,
      script: 's.js',
      flags: {
        env: { A: '1', B: 'x=y' },
        vus: 3,
        duration: '10s',
        out: ['json=o.ndjson.gz'],
        summaryExport: 's.json',
        summaryTrendStats: 'avg,p(99)',
        noSummary: true,
        noThresholds: true,
        quiet: true,
        stages: [{ duration: '5s', target: 2 }, { duration: '5s', target: 0 }],
      },
    });
  });

  it('answers --help', () => expect(parseRunArgs(['--help'])).toEqual({ help: true }));

  it.each([
    [['s.js', '--linger'], /--linger/],
    [['s.js', '--vus', 'many'], /--vus "many"/],
    [['s.js', '-e', 'NOEQUALS'], /--env "NOEQUALS": expected KEY=VALUE/],
    [[], /missing the script/],
    [['a.js', 'b.js'], /expected one script/],
    [['s.js', '--stage', '10s'], /DURATION:TARGET/],
  ])('rejects %j naming the problem', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(OptionsError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});
