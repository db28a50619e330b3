// Every `npm run` example in the README is valid as written: the script exists, and its flags and values
// pass the command's own parser (the one the command runs first) without a warning. The examples with
// --dry-run or --help are also run for real (examples-run.test.ts). Nothing here runs a command.
import { describe, expect, it } from 'vitest';
import { parseBuildFlags } from '../../src/runner/build-cli.ts';
import { parseRunnerFlags } from '../../src/runner/flags.ts';
import { parseLocalCliFlags } from '../../src/platforms/local-cli.ts';
import { parseDeployArgv } from '../../src/platforms/deploy-cli.ts';
import { parseTeardownArgv } from '../../src/platforms/teardown-cli.ts';
import { parseReportFlags } from '../../src/report/cli.ts';
import { parseCompareFlags } from '../../src/report/compare-cli.ts';
import { parseDistributedFlags } from '../../src/distributed/cli.ts';
import { parseCollectFlags } from '../../src/distributed/collect-cli.ts';
import { parseBenchFlags } from '../../bench/run.ts';
import { parseRecordFlags } from '../conformance/record.ts';
import { readmeExamples, shellWords, type Example } from './examples.ts';

/** Each entry file's parser: argv as the script gets it → its parsed flags (throws on a bad flag). */
const PARSERS: Record<string, (argv: string[]) => unknown> = {
  'scripts/scenario.ts': parseRunnerFlags,
  'scripts/platform-local.ts': parseLocalCliFlags,
  'scripts/build.ts': parseBuildFlags,
  'scripts/deploy.ts': parseDeployArgv,
  'scripts/teardown.ts': parseTeardownArgv,
  'scripts/report.ts': parseReportFlags,
  'scripts/compare.ts': parseCompareFlags,
  'scripts/distributed.ts': parseDistributedFlags,
  'scripts/collect.ts': parseCollectFlags,
  'bench/run.ts': parseBenchFlags,
  'test/conformance/record.ts': parseRecordFlags,
};
const isHelp = (parsed: unknown): boolean => parsed === null || (typeof parsed === 'object' && (parsed as { help?: unknown }).help === true);
const warningsOf = (parsed: unknown): string[] => {
  if (parsed === null || typeof parsed !== 'object') return [];
  const p = parsed as { warnings?: string[]; flags?: { warnings?: string[] } };
  return p.warnings ?? p.flags?.warnings ?? [];
};

const examples = readmeExamples();
const commands = examples.filter((e) => !e.schematic);
// An inline mention without arguments (`npm run collect` in a table) names the command; everything in a code
// block, and every example with arguments, is a command line to be valid as written.
const commandLines = commands.filter((e) => e.args.length > 0 || e.fromCodeBlock);

describe('README npm run examples', () => {
  it('are found (the extraction is not empty), including the dry runs', () => {
    expect(commandLines.length).toBeGreaterThan(20);
    expect(commandLines.filter((e) => e.args.includes('--dry-run')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(commands.map((e) => [`${e.line}: ${e.text}`, e] as const))('%s names a script of package.json', (_t, e) => {
    expect(e.target, `npm run ${e.script} is not a script of package.json`).not.toBeNull();
  });

  it.each(examples.filter((e) => e.schematic).map((e) => [`${e.line}: ${e.text}`, e] as const))('%s (schematic) stands for real scripts', (_t, e) => {
    const prefix = e.script.split(/[<>*…]/)[0]!;
    expect(Object.keys(PARSERS).length).toBeGreaterThan(0);
    expect(commands.some((c) => c.script.startsWith(prefix)), `no example matches ${e.script}`).toBe(true);
  });

  it.each(commandLines.map((e) => [`${e.line}: ${e.text}`, e] as const))('%s parses as written, without a warning', (_t, e: Example) => {
    if (e.target && 'command' in e.target) {
      // Not one of our entry points (vitest, tsc): it takes no arguments here.
      expect(e.args).toEqual([]);
      return;
    }
    const parse = PARSERS[e.target!.file];
    expect(parse, `no parser listed for ${e.target!.file}`).toBeDefined();
    const parsed = parse!([...e.target!.lead, ...e.args]);
    expect(warningsOf(parsed)).toEqual([]);
  });

  it.each(Object.entries(PARSERS))('%s answers --help', (_file, parse) => {
    const lead = commands.find((c) => c.target && 'file' in c.target && c.target.file === _file)?.target as { lead: string[] } | undefined;
    expect(isHelp(parse([...(lead?.lead ?? []), '--help']))).toBe(true);
  });
});

describe('shellWords', () => {
  it('splits as sh does for the README quoting', () => {
    expect(shellWords(`npm run scenario:local -- --threshold 's2s_latency_ms{target:pong-sec}=p(95)<20' "a b" c\\ d`)).toEqual([
      'npm', 'run', 'scenario:local', '--', '--threshold', 's2s_latency_ms{target:pong-sec}=p(95)<20', 'a b', 'c d',
    ]);
  });
});
