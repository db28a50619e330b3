// `s2s run` argument parsing: k6 flag names, clear errors for bad and unknown flags.
import { describe, expect, it } from 'vitest';
import { HELP, parseRunArgs, UsageError } from './cli.ts';

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

  it('--help states the exit codes k6 v1.3.0 uses and what is not supported', () => {
    expect(HELP).toMatch(/99 thresholds crossed \(also when an abortOnFail threshold stops the test\)/);
    expect(HELP).toMatch(/255 command-line error/);
    expect(HELP).toMatch(/Not supported here[^]*k6\/ws[^]*cookie jars/);
  });

  it.each([
    [['s.js', '--linger'], /^unknown flag: --linger/],
    [['s.js', '--vus', 'many'], /^invalid argument "many" for "-u, --vus" flag: expected a non-negative integer/],
    [['s.js', '--duration', 'soon'], /^invalid argument "soon" for "-d, --duration" flag: .*"30s"/],
    [['s.js', '--summary-trend-stats', 'avg,p(abc)'], /^invalid argument "avg,p\(abc\)" for "--summary-trend-stats" flag: .*p\(N\)/],
    [['s.js', '-e', 'NOEQUALS'], /"NOEQUALS" for "-e, --env" flag: expected KEY=VALUE/],
    [[], /missing the script/],
    [['a.js', 'b.js'], /expected one script/],
    [['s.js', '--stage', '10s'], /DURATION:TARGET/],
  ])('rejects %j naming the problem (a usage error: exit 255 like k6)', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(UsageError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});
