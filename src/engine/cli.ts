// `s2s run <script.js> [flags]`: k6's flag names for the subset the embedded engine supports.
import { parseArgs } from 'node:util';
import { EXIT, logLine, runScript, type RunFlags } from './run.ts';
import { parseDurationMs, parseStagesFlag, parseTrendStats, OptionsError } from './options.ts';

/** A command-line error (unknown flag, bad flag value): exit 255, as k6 v1.3.0. */
export class UsageError extends OptionsError {
  override name = 'UsageError';
}
import { watchParent } from '../process/parent-watch.ts';

export const HELP = `Usage: s2s run <script.js> [flags]

Runs a k6 script with the embedded engine (Node.js only). Flags have k6's names and meanings.

Flags:
  -e, --env KEY=VALUE            add an environment variable for __ENV (repeatable)
  -u, --vus N                    number of VUs (shortcut; replaces the script's scenarios with duration/iterations/stage)
  -d, --duration D               test duration, e.g. 30s, 1m30s (constant-vus)
  -i, --iterations N             total iterations shared among the VUs (shared-iterations)
  -s, --stage D:T                ramping stage, e.g. --stage 10s:5 --stage 20s:0 (ramping-vus; repeatable)
  -o, --out json=FILE[.gz]       stream metrics as k6 JSON lines (repeatable; only json is supported)
      --summary-export FILE      write the legacy summary JSON
      --summary-trend-stats LIST trend stats in the summary, e.g. avg,min,med,max,p(90),p(95),p(99.9)
      --no-summary               no end-of-test summary (text or handleSummary)
      --no-thresholds            do not evaluate thresholds
      --no-color                 the summary's options.noColor (also NO_COLOR in the environment)
  -q, --quiet                    no banner and no progress lines
  -v, --verbose                  also print console.debug lines
  -h, --help                     this help

Environment: K6_VUS, K6_DURATION, K6_ITERATIONS, K6_STAGES, K6_OUT, K6_SUMMARY_TREND_STATS,
K6_SUMMARY_TIME_UNIT, K6_SETUP_TIMEOUT, K6_TEARDOWN_TIMEOUT, K6_NO_THRESHOLDS, K6_NO_SUMMARY.
Precedence: script options < K6_* environment < flags.

Web dashboard (as k6's): K6_WEB_DASHBOARD=true serves a live page at http://127.0.0.1:5665 while the test
runs; K6_WEB_DASHBOARD_HOST (127.0.0.1), K6_WEB_DASHBOARD_PORT (5665; 0 = any free port; -1 = no server),
K6_WEB_DASHBOARD_PERIOD (10s), K6_WEB_DASHBOARD_OPEN (false), K6_WEB_DASHBOARD_EXPORT (a self-contained
HTML file written at the end). A port in use exits 104 before the test starts; the end never waits for a browser.

Script API: k6 (check, group, sleep, fail), k6/http, k6/metrics, k6/execution, k6/encoding, __ENV, __VU,
__ITER, open(), console; executors shared-iterations, per-vu-iterations, constant-vus, ramping-vus,
constant-arrival-rate, ramping-arrival-rate; thresholds (incl. abortOnFail, delayAbortEval); setup/teardown;
handleSummary.

Exit codes (as k6 v1.3.0): 0 ok, 99 thresholds crossed (also when an abortOnFail threshold stops the test),
104 invalid options or thresholds, 105 interrupted (Ctrl-C), 107 script error, 108 test.abort(),
255 command-line error (unknown flag, bad flag value, missing script file).

Not supported here (use real k6, https://grafana.com/docs/k6/latest/ — the same scripts run unchanged there):
  flags other than the ones above (e.g. --http-debug, --paused, --address, --summary-time-unit as a flag);
  outputs other than json (csv, cloud, influxdb, …), k6 cloud;
  modules other than the five above: k6/ws, k6/net/grpc, k6/browser, k6/crypto, k6/data, k6/html,
  k6/experimental/*, extensions (k6/x/*), remote modules (https://…);
  http.file/multipart bodies, cookie jars, params.compression, Response.html()/submitForm/clickLink,
  the externally-controlled executor; options such as hosts, dns, batch, rps, tlsAuth
  are ignored with a warning naming them.
Conformance with k6 v1.3.0 is checked by the corpus in test/conformance (see its README).
`;

const OPTIONS = {
  env: { type: 'string', short: 'e', multiple: true },
  vus: { type: 'string', short: 'u' },
  duration: { type: 'string', short: 'd' },
  iterations: { type: 'string', short: 'i' },
  stage: { type: 'string', short: 's', multiple: true },
  out: { type: 'string', short: 'o', multiple: true },
  'summary-export': { type: 'string' },
  'summary-trend-stats': { type: 'string' },
  'no-summary': { type: 'boolean' },
  'no-thresholds': { type: 'boolean' },
  'no-color': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SHORT: Record<string, string> = Object.fromEntries(
  Object.entries(OPTIONS).flatMap(([name, o]) => ('short' in o ? [[name, `-${o.short}, `]] : [])),
);

/** k6's (cobra's) wording: `invalid argument "abc" for "-u, --vus" flag: …`. */
function badValue(name: string, value: string, why: string): UsageError {
  return new UsageError(`invalid argument ${JSON.stringify(value)} for "${SHORT[name] ?? ''}--${name}" flag: ${why}`);
}

function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badValue(name, value, 'expected a non-negative integer');
  return Number(value);
}

/** Runs a validator and turns its OptionsError into a UsageError naming the flag. */
function checked<T>(name: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw badValue(name, value, (err as Error).message);
  }
}

/** Parses argv into the script path and RunFlags; throws OptionsError naming a bad or unknown flag. */
export function parseRunArgs(argv: string[]): { help: true } | { help: false; script: string; flags: RunFlags } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional.*$/s, '');
    const unknown = /^Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown flag: ${unknown[1]} (\`s2s run --help\` lists the supported flags; use real k6 for the others)`);
    const missing = /^Option '(?:-\w, )?--([\w-]+)[^']*' argument missing/.exec(msg);
    if (missing) throw new UsageError(`flag needs an argument: --${missing[1]}`);
    throw new UsageError(`${msg}. Run \`s2s run --help\` for the supported flags; use real k6 for the others`);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  if (parsed.positionals.length !== 1) {
    throw new UsageError(parsed.positionals.length === 0 ? 'missing the script: s2s run <script.js> [flags]' : `expected one script, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  const env: Record<string, string> = {};
  for (const pair of v.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badValue('env', pair, 'expected KEY=VALUE');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const flags: RunFlags = {
    env,
    out: v.out ?? [],
    noSummary: v['no-summary'] ?? false,
    noThresholds: v['no-thresholds'] ?? false,
    quiet: v.quiet ?? false,
  };
  if (v['no-color']) flags.noColor = true;
  if (v.verbose) flags.verbose = true;
  const vus = intFlag('vus', v.vus);
  const iterations = intFlag('iterations', v.iterations);
  if (vus !== undefined) flags.vus = vus;
  if (iterations !== undefined) flags.iterations = iterations;
  if (v.duration !== undefined) flags.duration = checked('duration', v.duration, (d) => (parseDurationMs(d, '--duration'), d));
  if (v.stage !== undefined) flags.stages = checked('stage', v.stage.join(','), (st) => parseStagesFlag(st));
  if (v['summary-export'] !== undefined) flags.summaryExport = v['summary-export'];
  const trendStats = v['summary-trend-stats'];
  if (trendStats !== undefined) flags.summaryTrendStats = checked('summary-trend-stats', trendStats, (t) => (parseTrendStats(t), t));
  return { help: false, script: parsed.positionals[0] ?? '', flags };
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseRunArgs(argv);
  } catch (err) {
    process.stderr.write(logLine('error', (err as Error).message));
    return err instanceof UsageError ? EXIT.usage : EXIT.invalidConfig;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  // No orphan: when the runner that started us dies, so do we (and with us every VU thread).
  const parent = watchParent((reason) => {
    process.stderr.write(logLine('error', `${reason}: stopping at once`));
    process.exit(EXIT.externalAbort);
  });
  let code: number;
  try {
    code = await runScript(args.script, args.flags, {
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: process.stdout.isTTY === true,
      isStderrTTY: process.stderr.isTTY === true,
      handleSignals: true,
    });
  } catch (err) {
    // A bug of ours, not the user's input: say so plainly (the stack only on request).
    process.stderr.write(`s2s run: internal error: ${(err as Error).message}${process.env.S2S_DEBUG ? `\n${(err as Error).stack ?? ''}` : ' (set S2S_DEBUG=1 for the stack)'}\n`);
    code = 1;
  }
  parent.stop();
  // A handle left open by a script (timer, socket) must not keep the process alive after the summary.
  setTimeout(() => process.exit(code), 3000).unref();
  return code;
}
