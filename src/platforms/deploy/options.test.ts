import { describe, expect, it } from 'vitest';
import { DEPLOY_FLAGS, notApplying, parseOptions, UsageError } from './options.ts';

describe('deploy flags', () => {
  it.each([
    ['cloudrun', ['--project', 'p1-demo', '--mesh', 'ambient'], ['--mesh does not apply to deploy:cloudrun (only to deploy:gke); ignored.']],
    ['gke', ['--ping-private', '--cluster', 'c1'], ['--ping-private does not apply to deploy:gke (only to deploy:cloudrun); ignored.']],
    ['cross', ['--project', 'p1-demo', '--dry-run'], ['--project does not apply to deploy:cross (only to deploy:cloudrun, deploy:gke); ignored.']],
    ['teardown', ['--yes', '--region', 'us-central1'], ['--region does not apply to teardown (only to deploy:cloudrun, deploy:gke); ignored.']],
    ['gke', ['--project', 'p1-demo', '--region', 'us-central1', '--mesh', 'none'], []],
    ['gke', ['--cluster-mode', 'standard', '--machine-type', 'e2-standard-4', '--distributed', '--mesh', 'ambient'], []],
  ] as const)('%s %j: a warning per flag that does not apply', (command, argv, warnings) => {
    expect(notApplying(command, argv)).toEqual(warnings);
  });

  it.each([
    [['--project', 'P'], '--project "P": expected a Google Cloud project ID'],
    [['--cpu', '3'], '--cpu "3": expected'],
    [['--wait-timeout-s', 'soon'], '--wait-timeout-s "soon": expected an integer number of seconds from 1 to 7200'],
    [['--mesh'], '--mesh needs a value; run with --help for the flags'],
  ])('%j is refused in one line', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
    try {
      parseOptions(argv);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('every flag of the shared parser is used by some command (a new flag is listed where it applies)', () => {
    expect(Object.keys(DEPLOY_FLAGS).length).toBeGreaterThan(15);
    for (const [flag, type] of Object.entries(DEPLOY_FLAGS)) {
      const argv = [`--${flag}`, ...(type === 'boolean' ? [] : ['x'])];
      const unused = (['cloudrun', 'gke', 'cross', 'teardown'] as const).every((c) => notApplying(c, argv).length > 0);
      expect(unused, `--${flag} applies to no command`).toBe(false);
    }
  });
});
