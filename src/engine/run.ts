// One `s2s run`: load the script, resolve options, init VUs, setup(), the scenarios with thresholds
// checked every 2 s, teardown(), then the summary, outputs and k6's exit code. Ctrl-C stops the
// scenarios (in-flight iterations are interrupted), still runs teardown and writes the summary
// (exit 105, like k6); a second Ctrl-C exits at once.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defineBuiltinMetrics, MetricRegistry, type Metric } from '../results/metrics.ts';
import { JsonOutput } from '../results/ndjson.ts';
import { buildSummaryData, DEFAULT_SUMMARY_TREND_STATS, toSummaryExport, type SummaryData } from '../results/summary.ts';
import { crossedMessage, parseThresholds, ThresholdConfigError, type ThresholdEvaluation, type ThresholdSet } from '../results/thresholds.ts';
import { createExecutor, type Executor } from './executors/index.ts';
import { VuPool } from './executors/pool.ts';
import type { ExecVU, ExecutorSink } from './executors/types.ts';
import { OptionsError, optionsFromEnv, parseTrendStats, resolveOptions, scenarioVUs, type OptionsLayer, type ResolvedOptions } from './options.ts';
import { ProgressReporter, renderBanner, type TextSink } from './progress.ts';
import { loadProgram, TestAbortError, type Program } from './runtime/index.ts';
import { dashboardConfigFromEnv, DashboardConfigError, type DashboardConfig } from '../dashboard/config.ts';
import { finishEngineDashboard, startEngineDashboard } from '../dashboard/engine-hook.ts';

/** k6's exit codes (the subset this engine produces), as measured with k6 v1.3.0. */
export const EXIT = {
  ok: 0,
  /** A command-line error: unknown flag, bad flag value, missing script file (k6 exits -1). */
  usage: 255,
  thresholdsCrossed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** The `s2s run` flags, k6 names (see cli.ts). Unset fields fall back to K6_* env, then the script. */
export interface RunFlags {
  /** -e KEY=VALUE, laid over the process environment in __ENV (k6 includes the system env). */
  env: Record<string, string>;
  vus?: number;
  duration?: string;
  iterations?: number;
  stages?: { duration: string; target: number }[];
  /** --out values, e.g. "json=out.ndjson.gz". */
  out: string[];
  summaryExport?: string;
  summaryTrendStats?: string;
  noSummary?: boolean;
  noThresholds?: boolean;
  quiet?: boolean;
  /** --no-color (also NO_COLOR in the environment): the summary's options.noColor. */
  noColor?: boolean;
  /** -v/--verbose: console.debug lines are printed (k6 prints them only then). */
  verbose?: boolean;
}

export interface RunIO {
  stdout: TextSink;
  stderr: TextSink;
  /** stdout is a terminal: live progress and the summary's TTY flag. */
  isTTY: boolean;
  isStderrTTY?: boolean;
  /** The process environment (K6_* options and __ENV); defaults to process.env. */
  processEnv?: Record<string, string | undefined>;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests calling runScript in-process do not). */
  handleSignals?: boolean;
  /** How a second signal leaves at once (defaults to process.exit). */
  exit?: (code: number) => void;
  /** Test hook: aborting it acts like Ctrl-C. */
  interrupt?: AbortSignal;
}

const THRESHOLD_EVERY_MS = 2000;
/** The logfmt field k6 puts on an exception in the init context, setup(), teardown() or handleSummary(). */
const SCRIPT_EXCEPTION = 'hint="script exception"';
const GAUGE_EVERY_MS = 1000;

export function engineVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `time="2026-11-29T15:05:31Z" level=error msg="…"`, the logfmt line k6 writes to stderr. */
export function logLine(level: string, msg: string, extra = ''): string {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra ? ` ${extra}` : ''}\n`;
}

/** Parses `--out` values; only json=FILE[.gz] is supported here. */
export function parseOutputs(values: string[]): { jsonPaths: string[] } {
  const jsonPaths: string[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    const kind = eq < 0 ? value : value.slice(0, eq);
    const arg = eq < 0 ? '' : value.slice(eq + 1);
    if (kind !== 'json') throw new OptionsError(`invalid --out ${JSON.stringify(value)}: the embedded engine supports only json=FILE (or FILE.gz); use real k6 for "${kind}"`);
    if (!arg) throw new OptionsError(`invalid --out ${JSON.stringify(value)}: name the file, e.g. --out json=results.ndjson.gz`);
    jsonPaths.push(arg);
  }
  return { jsonPaths };
}

function cliLayer(flags: RunFlags): OptionsLayer {
  const layer: OptionsLayer = {};
  if (flags.vus !== undefined) layer.vus = flags.vus;
  if (flags.duration !== undefined) layer.duration = flags.duration;
  if (flags.iterations !== undefined) layer.iterations = flags.iterations;
  if (flags.stages !== undefined && flags.stages.length > 0) layer.stages = flags.stages;
  if (flags.noThresholds) layer.noThresholds = true;
  if (flags.noSummary) layer.noSummary = true;
  if (flags.summaryTrendStats !== undefined) layer.summaryTrendStats = parseTrendStats(flags.summaryTrendStats);
  return layer;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} execution timed out after ${ms / 1000} seconds`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

class TimeoutError extends Error {}

/** Runs a k6 script with the embedded engine; resolves to k6's exit code. Never throws for user errors. */
export async function runScript(scriptPath: string, flags: RunFlags, io: RunIO): Promise<number> {
  const say = (level: string, msg: string, extra?: string) => io.stderr.write(logLine(level, msg, extra));
  const processEnv = io.processEnv ?? process.env;
  const scriptEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) scriptEnv[k] = v;
  Object.assign(scriptEnv, flags.env);

  // Layers that do not need the script first, so a bad flag fails before anything runs.
  let envLayer: OptionsLayer;
  let flagLayer: OptionsLayer;
  let outputs: { jsonPaths: string[] };
  let dashboardConfig: DashboardConfig;
  try {
    dashboardConfig = dashboardConfigFromEnv(processEnv);
    envLayer = optionsFromEnv(processEnv);
    flagLayer = cliLayer(flags);
    outputs = parseOutputs([...flags.out, ...(flags.out.length === 0 && processEnv.K6_OUT ? [processEnv.K6_OUT] : [])]);
  } catch (err) {
    say('error', err instanceof DashboardConfigError ? `web dashboard: ${errorMessage(err)}` : errorMessage(err));
    return EXIT.invalidConfig;
  }
  // VU threads (runtime LoadOptions.threads): default one per core; an A/B switch for the benchmarks.
  const threadsEnv = processEnv.S2S_VU_THREADS;
  if (threadsEnv !== undefined && !/^[1-9]\d{0,2}$/.test(threadsEnv)) {
    say('error', `S2S_VU_THREADS=${threadsEnv} is not valid: use a whole number of threads from 1 to 999 (default: one per core)`);
    return EXIT.invalidConfig;
  }

  if (!existsSync(scriptPath)) {
    say('error', `The script "${scriptPath}" couldn't be found on local disk (cwd ${process.cwd()}): pass the path of a k6 .js script`);
    return EXIT.usage;
  }

  const registry = new MetricRegistry();
  defineBuiltinMetrics(registry);
  const stop = new AbortController();
  let abortReason: string | null = null;
  let thresholdAbort = false;
  let interruptedBySignal = false;
  let reporter: ProgressReporter | null = null;
  const log = (level: string, msg: string, extra = 'source=console') => {
    if (level === 'debug' && !flags.verbose) return;
    const line = logLine(level, msg, extra);
    if (reporter) reporter.interject(line, io.stderr);
    else io.stderr.write(line);
  };

  // Filled in once the scenarios exist; the runtime reads them for k6/execution's `instance`.
  let executorsForInstance: Executor[] = [];
  let poolForInstance: VuPool | null = null;
  let startedAtMs: number | null = null;
  let program: Program;
  try {
    program = await loadProgram(scriptPath, {
      env: scriptEnv,
      registry,
      log,
      ...(threadsEnv ? { threads: Number(threadsEnv) } : {}),
      instance: () => ({
        vusActive: executorsForInstance.reduce((a, e) => a + e.active, 0),
        vusInitialized: poolForInstance?.size() ?? 0,
        iterationsCompleted: executorsForInstance.reduce((a, e) => a + e.completed, 0),
        iterationsInterrupted: executorsForInstance.reduce((a, e) => a + e.interrupted, 0),
        currentTestRunDurationMs: startedAtMs === null ? 0 : performance.now() - startedAtMs,
      }),
      onAbort: (reason: string) => {
        if (abortReason === null) abortReason = reason || 'test aborted';
        stop.abort();
      },
    });
  } catch (err) {
    if (err instanceof OptionsError || err instanceof ThresholdConfigError) {
      say('error', errorMessage(err));
      return EXIT.invalidConfig;
    }
    say('error', errorMessage(err), SCRIPT_EXCEPTION);
    return EXIT.scriptException;
  }

  const cleanup: (() => Promise<void> | void)[] = [() => program.close()];
  const runCleanup = async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        say('error', errorMessage(err));
      }
    }
  };

  try {
    // ---- options, thresholds, outputs
    let options: ResolvedOptions;
    const noColor = flags.noColor === true || (processEnv.NO_COLOR !== undefined && processEnv.NO_COLOR !== '');
    let thresholds: ThresholdSet | null = null;
    let trendStats: string[];
    try {
      options = resolveOptions(program.options, envLayer, flagLayer);
      for (const w of options.warnings) say('warning', w);
      for (const sc of options.scenarios) {
        const known = sc.exec === 'default' ? program.exports.default : program.exports.functions.includes(sc.exec);
        if (!known) {
          throw new OptionsError(
            sc.exec === 'default'
              ? `scenario ${sc.name}: the script has no default function; export one or set exec to one of: ${program.exports.functions.join(', ') || '(none exported)'}`
              : `scenario ${sc.name}: function '${sc.exec}' not found in exports (exported: ${program.exports.functions.join(', ') || 'none'})`,
          );
        }
      }
      trendStats = options.summaryTrendStats ?? [...DEFAULT_SUMMARY_TREND_STATS];
      if (options.summaryTrendStats) parseTrendStats(options.summaryTrendStats.join(','), 'summaryTrendStats');
      if (!options.noThresholds) {
        thresholds = parseThresholds(options.thresholds, registry);
        thresholds.declare(registry);
      }
    } catch (err) {
      say('error', errorMessage(err));
      return err instanceof OptionsError || err instanceof ThresholdConfigError ? EXIT.invalidConfig : EXIT.scriptException;
    }

    try {
      for (const p of outputs.jsonPaths) await mkdir(dirname(resolve(p)), { recursive: true });
    } catch (err) {
      say('error', `cannot create the folder of --out json: ${errorMessage(err)}`);
      return EXIT.invalidConfig;
    }
    const jsonOutputs = outputs.jsonPaths.map((p) => JsonOutput.open(p, thresholds ?? undefined));
    for (const out of jsonOutputs) {
      out.attach(registry);
      cleanup.push(() => out.close());
    }
    // ---- web dashboard (K6_WEB_DASHBOARD*): binds its port now, so a port in use fails before any VU starts
    let dashboard: Awaited<ReturnType<typeof startEngineDashboard>> | null = null;
    if (dashboardConfig.enabled) {
      try {
        const elapsed = () => (startedAtMs === null ? 0 : performance.now() - startedAtMs);
        dashboard = await startEngineDashboard({ config: dashboardConfig, registry, thresholds, scriptPath, engineVersion: engineVersion(), env: processEnv, elapsedMs: elapsed, log: (level, msg) => say(level, msg) });
      } catch (err) {
        say('error', errorMessage(err));
        return EXIT.invalidConfig;
      }
      const d = dashboard;
      cleanup.push(() => d.finish());
    }
    const dashboardLine = dashboard ? (dashboard.url ?? `export only (${dashboardConfig.exportPath ?? 'no export file'})`) : null;

    if (!flags.quiet) {
      io.stdout.write(
        renderBanner({ version: engineVersion(), scriptPath, outputs: outputs.jsonPaths.map((p) => `json (${p})`), scenarios: options.scenarios, dashboard: dashboardLine }),
      );
    } else if (dashboard?.url) say('info', `web dashboard: ${dashboard.url}`);

    // ---- VUs (init context per VU), then validate thresholds against every metric the init code defined
    const pool = new VuPool((idInInstance, idInTest) => program.createVU(idInInstance, idInTest) as Promise<ExecVU>);
    poolForInstance = pool;
    try {
      await pool.preallocate(options.scenarios.reduce((a, sc) => a + scenarioVUs(sc).initial, 0));
      thresholds?.validate(registry);
    } catch (err) {
      say('error', errorMessage(err));
      return err instanceof ThresholdConfigError ? EXIT.invalidConfig : EXIT.scriptException;
    }

    // ---- signals
    let signalCount = 0;
    const onSignal = (sig: string) => {
      signalCount++;
      if (signalCount > 1) {
        say('error', `received ${sig} again: exiting at once, without summary`);
        (io.exit ?? ((code: number) => process.exit(code)))(EXIT.externalAbort);
        return;
      }
      interruptedBySignal = true;
      say('warning', `received ${sig}: stopping the test (teardown and summary still run; press Ctrl-C again to exit at once)`);
      stop.abort();
    };
    const sigint = () => onSignal('SIGINT');
    const sigterm = () => onSignal('SIGTERM');
    if (io.handleSignals) {
      process.on('SIGINT', sigint);
      process.on('SIGTERM', sigterm);
      cleanup.push(() => {
        process.off('SIGINT', sigint);
        process.off('SIGTERM', sigterm);
      });
    }
    if (io.interrupt) {
      const onInterrupt = () => onSignal('SIGINT');
      if (io.interrupt.aborted) onInterrupt();
      else io.interrupt.addEventListener('abort', onInterrupt, { once: true });
    }

    // ---- the end of every run that got this far: thresholds, summary, outputs (k6 writes the summary after a
    // failed or aborted setup() too).
    const finish = async (testRunDurationMs: number, setupData: unknown): Promise<{ outputCode: number; finalEval: ThresholdEvaluation | null }> => {
      const finalEval = thresholds ? thresholds.evaluate(registry, { elapsedMs: testRunDurationMs, final: true }) : null;
      if (dashboard) await finishEngineDashboard(dashboard, finalEval, registry);
      const data: SummaryData = buildSummaryData({
        registry,
        thresholds: finalEval,
        declaredSubmetrics: thresholds?.metricKeys() ?? [],
        rootGroup: program.rootGroup(),
        summaryTrendStats: trendStats,
        summaryTimeUnit: options.summaryTimeUnit,
        noColor,
        isStdOutTTY: io.isTTY,
        isStdErrTTY: io.isStderrTTY ?? false,
        testRunDurationMs,
        setupData,
      });
      let outputCode: number = EXIT.ok;
      if (!options.noSummary) outputCode = await writeSummary(program, data, io, say);
      if (flags.summaryExport) {
        try {
          await mkdir(dirname(resolve(flags.summaryExport)), { recursive: true });
          await writeFile(flags.summaryExport, `${JSON.stringify(toSummaryExport(data), null, 4)}\n`);
        } catch (err) {
          say('error', `cannot write --summary-export file ${flags.summaryExport}: ${errorMessage(err)}`);
          outputCode = EXIT.invalidConfig;
        }
      }
      await runCleanup();
      return { outputCode, finalEval };
    };

    // ---- setup()
    let setupData: unknown;
    if (program.exports.setup && !stop.signal.aborted) {
      try {
        setupData = await withTimeout(program.runSetup(), options.setupTimeoutMs, 'setup()');
      } catch (err) {
        if (err instanceof TestAbortError || abortReason !== null) {
          say('error', `test aborted: ${abortReason ?? errorMessage(err)}`, 'source=k6/execution');
          await finish(0, undefined);
          return EXIT.scriptAborted;
        }
        if (err instanceof TimeoutError) {
          say('error', errorMessage(err));
          return EXIT.setupTimeout;
        }
        say('error', errorMessage(err), SCRIPT_EXCEPTION);
        await finish(0, undefined);
        return EXIT.scriptException;
      }
    }

    // ---- scenarios
    const iterationsMetric = registry.get('iterations') as Metric;
    const durationMetric = registry.get('iteration_duration') as Metric;
    const droppedMetric = registry.get('dropped_iterations') as Metric;
    const executorOf = new Map(options.scenarios.map((sc) => [sc.name, sc.executor]));
    const sink: ExecutorSink = {
      iteration: (tags, durationMs, result) => {
        // An exception that ended the iteration, logged as k6 does (the script location is in the message).
        if (!result.ok && result.error) {
          const scenario = tags.scenario ?? '';
          log('error', result.error, `executor=${executorOf.get(scenario) ?? ''} scenario=${scenario} source=stacktrace`);
        }
        registry.add(durationMetric, durationMs, tags);
        registry.add(iterationsMetric, 1, tags);
      },
      dropped: (tags, count) => registry.add(droppedMetric, count, tags),
    };
    const executors: Executor[] = options.scenarios.map((sc) => createExecutor(sc, { vus: pool, sink, env: scriptEnv, tags: options.tags, stop: stop.signal }));
    const activeVUs = () => executors.reduce((a, e) => a + e.active, 0);
    executorsForInstance = executors;
    const startMs = performance.now();
    startedAtMs = startMs;
    const elapsedMs = () => performance.now() - startMs;

    const sampleGauges = () => {
      registry.add('vus', activeVUs(), {});
      registry.add('vus_max', pool.size(), {});
    };
    const gaugeTimer = setInterval(sampleGauges, GAUGE_EVERY_MS);
    let lastEval: ThresholdEvaluation | null = null;
    const thresholdTimer = setInterval(() => {
      if (!thresholds || stop.signal.aborted) return;
      lastEval = thresholds.evaluate(registry, { elapsedMs: elapsedMs(), final: false });
      if (lastEval.abort) {
        thresholdAbort = true;
        say('error', `thresholds on metrics '${lastEval.crossedMetrics.join(', ')}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`);
        stop.abort();
      }
    }, THRESHOLD_EVERY_MS);
    cleanup.push(() => {
      clearInterval(gaugeTimer);
      clearInterval(thresholdTimer);
    });

    if (!flags.quiet) {
      reporter = new ProgressReporter(io.stdout, io.isTTY, () => ({
        elapsedMs: elapsedMs(),
        activeVUs: activeVUs(),
        maxVUs: pool.size(),
        scenarios: executors.map((e) => e.progress()),
      }));
      reporter.start();
    }
    await Promise.all(executors.map((e) => e.run()));
    const testRunDurationMs = elapsedMs();
    clearInterval(gaugeTimer);
    clearInterval(thresholdTimer);
    // No last vus/vus_max sample here: k6 samples them once a second only (a run under 1 s has none).
    reporter?.stop();
    reporter = null;
    let abortSaid = false;
    if (abortReason !== null) {
      say('error', `test aborted: ${abortReason}`, 'source=k6/execution');
      abortSaid = true;
    }

    // ---- teardown() (k6 runs it after test.abort and Ctrl-C too)
    let teardownCode: number = EXIT.ok;
    if (program.exports.teardown) {
      try {
        await withTimeout(program.runTeardown(setupData), options.teardownTimeoutMs, 'teardown()');
      } catch (err) {
        if (err instanceof TestAbortError || (abortReason !== null && !abortSaid)) {
          abortReason ??= errorMessage(err);
          say('error', `test aborted: ${abortReason}`, 'source=k6/execution');
          abortSaid = true;
        } else if (err instanceof TimeoutError) say('error', errorMessage(err));
        else say('error', errorMessage(err), SCRIPT_EXCEPTION);
        teardownCode = err instanceof TimeoutError ? EXIT.teardownTimeout : EXIT.scriptException;
      }
    }

    // ---- thresholds and summary
    const { outputCode, finalEval } = await finish(testRunDurationMs, setupData);

    // An abortOnFail stop said so already; k6 then exits 99 (thresholds crossed), not 108.
    if (thresholdAbort) return EXIT.thresholdsCrossed;
    if (finalEval && finalEval.crossedMetrics.length > 0) say('error', crossedMessage(finalEval.crossedMetrics));
    if (abortReason !== null) return EXIT.scriptAborted;
    if (interruptedBySignal) return EXIT.externalAbort;
    if (teardownCode !== EXIT.ok) return teardownCode;
    if (finalEval && finalEval.crossedMetrics.length > 0) return EXIT.thresholdsCrossed;
    return outputCode;
  } finally {
    reporter?.stop();
    await runCleanup();
  }
}

/** handleSummary(data) when exported (its files and stdout/stderr), else the text summary on stdout. */
async function writeSummary(program: Program, data: SummaryData, io: RunIO, say: (level: string, msg: string, extra?: string) => void): Promise<number> {
  let files: Record<string, string> | null = null;
  if (program.exports.handleSummary) {
    try {
      files = await program.runHandleSummary(data);
    } catch (err) {
      say('error', `handleSummary() failed, printing the default summary instead: ${errorMessage(err)}`, SCRIPT_EXCEPTION);
      files = null;
    }
  }
  if (files === null) {
    // Loaded only when needed: runs with handleSummary never pay for the renderer.
    const { renderTextSummary } = await import('./text-summary.ts');
    io.stdout.write(`\n${renderTextSummary(data, { color: io.isTTY })}\n`);
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  for (const [target, content] of Object.entries(files)) {
    if (target === 'stdout') io.stdout.write(content);
    else if (target === 'stderr') io.stderr.write(content);
    else {
      try {
        await mkdir(dirname(resolve(target)), { recursive: true });
        await writeFile(target, content);
      } catch (err) {
        say('error', `handleSummary: cannot write ${target}: ${errorMessage(err)}`);
        code = EXIT.scriptException;
      }
    }
  }
  return code;
}
