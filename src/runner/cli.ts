// `s2s scenario <platform> [flags]` (npm run scenario:<platform>): build if stale, open the platform, fetch
// the runner's own tokens, run the scenario in k6 or the embedded engine, then write the run folder, print
// the post's table and the threshold verdicts, and exit with the engine's code.
import { githubAnnotations } from '../results/annotations.ts';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { runMetaSchema, RUN_SCHEMA_VERSION, type RunMeta, type RunTarget } from '../results/run-meta.ts';
import { gitInfo, hostInfo, redactTokens, RunFolder, RUN_FILES } from '../results/run-folder.ts';
import { bundleScenarios, defaultBuildPaths, isBuildStale, REPO_ROOT } from './build.ts';
import { defaultThresholds } from './default-thresholds.ts';
import { engineCommand, engineVersion, selectEngine, type SelectedEngine } from './engine.ts';
import { dashboardFiles, planDashboard, RunnerDashboard, type DashboardEngineInput, type DashboardPlan } from './dashboard.ts';
import { FlagError, helpText, parseRunnerFlags, type RunnerFlags } from './flags.ts';
import { openPlatform, PlatformUnavailableError, type PlatformSession, type ServiceExitEvent } from './platform.ts';
import { buildScenarioConfig, expectedDurationSec, loadVUs, recordedConfig, requestedIterations, requestTimeoutSec, tokenEnvNames, type TokenEnvNames } from './run-config.ts';
import { loadDelivery, pairRows, renderDelivery, renderTable, tableCaption } from './table.ts';
import { partialBatches } from './consistency.ts';
import { firstCallRecord, tokenRequestsBetween } from './first-call.ts';
import { knownTags, unknownTagProblems, type Topology } from './tag-check.ts';
import { RunSignals } from './signals.ts';
import { mergeThresholds, ThresholdFlagError } from './thresholds.ts';
import { startTokenBroker, type TokenBroker } from './token-broker.ts';
import { isSummaryLike, renderVerdicts, thresholdVerdicts, type SummaryLike } from './verdicts.ts';
import { CONFIG_ENV } from '../../scenarios/lib/config.ts';
import { buildThresholds, DIRECT_SOURCE, measuredKeys } from '../../scenarios/lib/options.ts';

export interface RunnerIo {
  stdout: Writable;
  stderr: Writable;
  /** Let the engine write straight to our terminal (keeps its live progress line); else piped and redacted. */
  inheritEngineOutput: boolean;
}

/** Env var the broker key travels in (the key is not a token, but it is still never written anywhere). */
const BROKER_KEY_ENV = 'S2S_TOKEN_BROKER_KEY';
/** Refresh a token this long before it expires (ID tokens live 1 h); S2S_TOKEN_REFRESH_BEFORE_SEC overrides (0..3600). */
const REFRESH_BEFORE_EXPIRY_SEC = 300;

function refreshBeforeExpirySec(env: NodeJS.ProcessEnv): number {
  const raw = env.S2S_TOKEN_REFRESH_BEFORE_SEC;
  if (raw === undefined || raw === '') return REFRESH_BEFORE_EXPIRY_SEC;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 3600) throw new FlagError(`S2S_TOKEN_REFRESH_BEFORE_SEC=${JSON.stringify(raw)}: must be an integer number of seconds in 0..3600.`);
  return n;
}

// The exit codes (README, "Exit codes"): bad flags 2; an invalid threshold 104 before anything starts (k6's
// code for an invalid config); interrupted 105 (k6's "aborted from outside"), whatever phase it stopped.
const EXIT_USAGE = 2;
/** k6's invalid-config code: a --threshold that is malformed, names a metric the run does not have, an aggregation
 * its type lacks, or a tag value the run cannot produce. */
const EXIT_INVALID_CONFIG = 104;
const EXIT_INTERRUPTED = 105;

function statusOf(exitCode: number | null, interrupted: boolean): RunMeta['status'] {
  if (interrupted) return 'interrupted';
  if (exitCode === 0) return 'passed';
  if (exitCode === 99) return 'thresholds-crossed';
  if (exitCode === 108) return 'aborted';
  return 'error';
}

function localPingEnv(flags: RunnerFlags): Record<string, string> {
  const perBatch = flags.scenario === 'load' ? flags.batchCount : flags.count;
  const env: Record<string, string> = {
    PING_MAX_COUNT: String(Math.max(100_000, perBatch)),
    PING_MAX_SAMPLES: String(Math.max(100_000, perBatch)),
    // Ping answers with what it measured a little before the outer request would time out.
    PING_BATCH_DEADLINE_MS: String(requestTimeoutSec(perBatch) * 1000 - 10_000),
  };
  if (flags.scenario === 'load') env.PING_MAX_CONCURRENT_BATCHES = String(loadVUs(flags).maxVUs + 2);
  return env;
}

function targetsOf(session: PlatformSession, flags: RunnerFlags): RunTarget[] {
  const r = session.resolved;
  if (flags.scenario === 'direct') {
    return r.direct.map((d) => ({ name: d.name, url: d.url, auth: d.auth, platform: d.platform, source: DIRECT_SOURCE }));
  }
  return r.pairs.map((p) => ({ name: p.target, url: p.targetUrl, auth: p.auth, platform: p.targetPlatform, source: p.source }));
}

async function renderConsole(summary: SummaryLike): Promise<string | null> {
  try {
    const mod = (await import('../engine/text-summary.ts')) as { renderTextSummary: (data: never, opts?: { color?: boolean }) => string };
    return mod.renderTextSummary(summary as never, { color: false });
  } catch {
    return null;
  }
}

async function readSummary(file: string): Promise<SummaryLike | null> {
  if (!existsSync(file)) return null;
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isSummaryLike(data) ? data : null;
  } catch {
    return null;
  }
}

async function renderJunitFn(summary: SummaryLike | null): Promise<((meta: RunMeta) => string) | undefined> {
  try {
    const mod = await import('../results/junit.ts');
    return (meta) => mod.renderJunit(meta, summary?.root_group as Parameters<typeof mod.renderJunit>[1]);
  } catch {
    return undefined;
  }
}

/** A phase ended the run early with this exit code; its message is already printed. */
class RunnerExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'RunnerExit';
  }
}

interface Ui {
  out(text: string): void;
  /** stderr, tokens redacted. */
  err(text: string): void;
}

interface Prepared {
  flags: RunnerFlags;
  engine: SelectedEngine;
  dashboard: DashboardPlan;
}

/** What the runner hands the engine for the hops it makes itself: env names, token values, the refresh broker. */
interface RunnerTokenSet {
  tokenEnv: TokenEnvNames;
  values: Record<string, string>;
  broker: TokenBroker | null;
}

interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Parse the flags and choose the engine; a number is the exit code (help printed, or a usage error). */
function prepare(argv: string[], ui: Ui): Prepared | number {
  try {
    const flags = parseRunnerFlags(argv);
    if (flags === null) {
      ui.out(helpText());
      return 0;
    }
    for (const warning of flags.warnings) ui.err(`scenario: warning: ${warning}`);
    const dashboard = planDashboard({ flag: flags.dashboard, env: process.env, expectedDurationSec: expectedDurationSec(flags) });
    return { flags, engine: selectEngine(flags.engine), dashboard };
  } catch (e) {
    ui.err(`scenario: ${(e as Error).message}`);
    return e instanceof ThresholdFlagError ? EXIT_INVALID_CONFIG : EXIT_USAGE;
  }
}

/** Refuse an unwritable --results-dir now, not after the platform has started and the engine has run. */
async function checkResultsDir(flags: RunnerFlags, ui: Ui): Promise<void> {
  try {
    await RunFolder.checkWritable(path.resolve(flags.resultsDir));
  } catch (e) {
    ui.err(`scenario: ${(e as Error).message}`);
    throw new RunnerExit(EXIT_USAGE);
  }
}

/** Thresholds may only name tag values this run produces (exit 104 otherwise); local: before anything starts. */
async function checkThresholdTags(flags: RunnerFlags, resolved: Topology | null, ui: Ui): Promise<void> {
  let topology = resolved;
  if (topology === null) {
    if (flags.platform !== 'local') return; // cloud: checked once the deploy state is read
    topology = (await import('../platforms/local/index.ts')).LOCAL_TOPOLOGY;
  }
  const problems = unknownTagProblems(flags.thresholds, knownTags(topology, flags.scenario, DIRECT_SOURCE), `${flags.platform} platform, ${flags.scenario} scenario`);
  if (problems.length === 0) return;
  for (const line of problems) ui.err(`scenario: ${line}`);
  throw new RunnerExit(EXIT_INVALID_CONFIG);
}

async function bundleIfStale(flags: RunnerFlags, ui: Ui): Promise<void> {
  if (!isBuildStale()) return;
  // Bundle only: types do not change the output, and a type-check costs seconds to tens of seconds on a
  // loaded machine. `npm run build` / `npm run typecheck` (and CI) gate the types.
  const t0 = performance.now();
  const outputs = await bundleScenarios(defaultBuildPaths());
  if (!flags.quiet) ui.out(`bundled ${outputs.map((o) => path.basename(o.file)).join(', ')} into build/ (${Math.round(performance.now() - t0)} ms; type-check: npm run build)`);
}

/** Before the platform starts: a dashboard port in use stops the run here (exit 2), nothing spawned yet. */
async function openDashboard(p: Prepared, ui: Ui): Promise<RunnerDashboard> {
  try {
    return await RunnerDashboard.open(p.dashboard, p.engine, {
      title: `${p.flags.platform} · ${p.flags.scenario}`,
      engineLabel: () => `k6 ${engineVersion(p.engine)}`,
      log: (line) => ui.err(line),
    });
  } catch (e) {
    ui.err(`scenario: ${(e as Error).message}`);
    throw new RunnerExit(EXIT_USAGE);
  }
}

async function startPlatform(flags: RunnerFlags, ui: Ui, signals: RunSignals): Promise<PlatformSession> {
  let session: PlatformSession;
  try {
    session = await openPlatform(flags.platform, {
      pongDelayMs: flags.pongDelayMs,
      platformFile: flags.platformFile,
      pingEnv: localPingEnv(flags),
      // The platform's own progress lines, not every service log line (those stay in the services).
      log: (line) => {
        if (!flags.quiet && line.startsWith('local platform:')) ui.err(line);
      },
      notice: (line) => ui.err(line),
    });
  } catch (e) {
    ui.err(`scenario: ${(e as Error).message}`);
    if (signals.interrupted) throw new RunnerExit(EXIT_INTERRUPTED);
    // Not deployed (cloud) is a usage error; a local platform that fails to start is a tool failure.
    throw new RunnerExit(e instanceof PlatformUnavailableError ? EXIT_USAGE : 1);
  }
  if (signals.interrupted) {
    await session.stop();
    throw new RunnerExit(EXIT_INTERRUPTED);
  }
  return session;
}

/** Tokens for the hops the runner makes itself: fetched now (fail fast), handed over in env only. */
async function fetchRunnerTokens(session: PlatformSession, flags: RunnerFlags, ui: Ui): Promise<RunnerTokenSet> {
  const resolved = session.resolved;
  const tokenEnv = tokenEnvNames(resolved, flags.scenario);
  const audiences: Record<string, string> = {};
  for (const p of resolved.pings) if (tokenEnv.pings[p.source]) audiences[tokenEnv.pings[p.source] as string] = p.url;
  for (const d of resolved.direct) if (tokenEnv.direct[d.name]) audiences[tokenEnv.direct[d.name] as string] = new URL(d.url).origin;
  const values: Record<string, string> = {};
  for (const [envName, audience] of Object.entries(audiences)) {
    try {
      values[envName] = await session.tokens(audience);
    } catch (e) {
      ui.err(`scenario: fetching an ID token for ${audience} failed: ${(e as Error).message}`);
      throw new RunnerExit(EXIT_USAGE);
    }
  }
  const broker = Object.keys(audiences).length > 0 ? await startTokenBroker(audiences, session.tokens) : null;
  return { tokenEnv, values, broker };
}

interface EngineLaunch {
  config: ReturnType<typeof buildScenarioConfig>;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Give the engine the parent pipe on fd 3 (see EngineCommand.parentPipe). */
  parentPipe: boolean;
}

/** The scenario config and the engine's command line and environment (tokens only in env, never argv). */
function engineLaunch(p: Prepared, session: PlatformSession, folder: RunFolder, tokens: RunnerTokenSet, dashboard: DashboardEngineInput): EngineLaunch {
  const { flags, engine } = p;
  const resolved = session.resolved;
  const config = buildScenarioConfig({
    flags,
    resolved,
    thresholds: mergeThresholds(defaultThresholds(flags.platform, flags.scenario === 'load' ? { requestedIterations: requestedIterations(flags) } : undefined), flags.thresholds),
    tokenEnv: tokens.tokenEnv,
    summaryPath: folder.file(RUN_FILES.summary),
    tokenBroker: tokens.broker ? { url: tokens.broker.url, keyEnv: BROKER_KEY_ENV, refreshBeforeExpirySec: refreshBeforeExpirySec(process.env) } : null,
  });
  const cmd = engineCommand(engine, {
    script: path.join(REPO_ROOT, 'build', `${flags.scenario}.js`),
    ndjsonFile: flags.outNdjson ? folder.file(RUN_FILES.metrics) : null,
    quiet: flags.quiet,
    dashboard,
  });
  const env: NodeJS.ProcessEnv = { ...process.env, ...cmd.env, [CONFIG_ENV]: JSON.stringify(config), ...tokens.values };
  if (tokens.broker) env[BROKER_KEY_ENV] = tokens.broker.key;
  if (resolved.caFile) {
    // Node (embedded engine) adds the run CA to its roots; Go (k6) reads SSL_CERT_FILE.
    if (engine.name === 'embedded') env.NODE_EXTRA_CA_CERTS = resolved.caFile;
    else env.SSL_CERT_FILE = resolved.caFile;
  }
  return { config, command: cmd.command, args: cmd.args, env, parentPipe: cmd.parentPipe === true };
}

/** Names every platform process that dies while the engine runs, at once (stderr) and in run.json. */
function watchServices(session: PlatformSession, ui: Ui): { exits: ServiceExitEvent[]; startedMs: number; stop: () => void } {
  const exits: ServiceExitEvent[] = [];
  const startedMs = Date.now();
  const stop =
    session.onServiceExit?.((e) => {
      exits.push(e);
      const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
      ui.err(`scenario: ${e.name} (pid ${e.pid}) exited ${((e.at.getTime() - startedMs) / 1000).toFixed(1)} s into the run (${how}); calls to it fail from now on.`);
    }) ?? (() => {});
  return { exits, startedMs, stop };
}

async function runEngine(launch: EngineLaunch, io: RunnerIo, signals: RunSignals): Promise<EngineExit> {
  try {
    return await new Promise<EngineExit>((resolve, reject) => {
      // Own process group: a terminal Ctrl-C reaches only us, and we forward exactly one SIGINT (a second
      // SIGINT would make the engine hard-exit without its summary).
      const proc = spawn(launch.command, launch.args, {
        cwd: REPO_ROOT,
        env: launch.env,
        detached: true,
        // fd 3 (embedded engine): a pipe only we hold open; the engine exits when it closes (we died).
        stdio: [...(io.inheritEngineOutput ? ['ignore', 'inherit', 'inherit'] as const : ['ignore', 'pipe', 'pipe'] as const), ...(launch.parentPipe ? ['pipe' as const] : [])],
      });
      signals.attach(proc);
      proc.stdout?.on('data', (chunk: Buffer) => io.stdout.write(redactTokens(chunk.toString())));
      proc.stderr?.on('data', (chunk: Buffer) => io.stderr.write(redactTokens(chunk.toString())));
      proc.once('error', reject);
      proc.once('close', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    signals.attach(null);
  }
}

interface Recorded {
  written: Awaited<ReturnType<RunFolder['finalize']>>;
  summary: SummaryLike | null;
  verdicts: ReturnType<typeof thresholdVerdicts>;
  exitCode: number | null;
}

/** What happened around the engine run that run.json must say: its group, dead services, tokens minted. */
interface RunContext {
  group: RunMeta['group'] | undefined;
  watch: ReturnType<typeof watchServices>;
  tokenRequests: Record<string, number> | undefined;
}

/** The measured pairs with their auth, in the config's order. */
function measuredPairs(session: PlatformSession, launch: EngineLaunch): Array<{ source: string; target: string; auth: string }> {
  const resolved = session.resolved;
  const auths = new Map(resolved.pairs.map((x) => [`${x.source}\u0000${x.target}`, x.auth]));
  for (const d of resolved.direct) auths.set(`${DIRECT_SOURCE}\u0000${d.name}`, d.auth);
  return measuredKeys(launch.config).map((k) => ({ ...k, auth: auths.get(`${k.source}\u0000${k.target}`) ?? '?' }));
}

/** Read what the engine wrote, build run.json (validated), and finalize the folder atomically. */
async function record(p: Prepared, session: PlatformSession, folder: RunFolder, launch: EngineLaunch, startedAt: Date, exit: EngineExit, interrupted: boolean, ctx: RunContext): Promise<Recorded> {
  const { flags, engine } = p;
  const exitCode = exit.code ?? (exit.signal ? EXIT_INTERRUPTED : null);
  const summary = await readSummary(folder.file(RUN_FILES.summary));
  const verdicts = summary ? thresholdVerdicts(summary) : [];
  const consoleText = summary ? await renderConsole(summary) : null;
  const ndjson = folder.file(RUN_FILES.metrics);
  const recordingProblems = interrupted && flags.outNdjson && existsSync(ndjson) ? await partialBatches(ndjson).catch(() => []) : [];
  const endedAt = new Date();
  const meta = {
    schemaVersion: RUN_SCHEMA_VERSION,
    platform: flags.platform,
    scenario: flags.scenario,
    engine: { name: engine.name, version: engineVersion(engine) },
    git: gitInfo(REPO_ROOT),
    host: hostInfo(),
    config: recordedConfig({ flags, config: launch.config, engine: { choice: flags.engine, name: engine.name, reason: engine.reason }, resolved: session.resolved }),
    targets: targetsOf(session, flags),
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    exitCode,
    status: statusOf(exitCode, interrupted),
    interrupted,
    thresholds: verdicts,
    ...(ctx.group ? { group: ctx.group } : {}),
    ...(summary ? { firstCall: firstCallRecord(flags.scenario, pairRows(summary, measuredPairs(session, launch)), ctx.tokenRequests) } : {}),
    serviceExits: ctx.watch.exits.map((e) => ({ name: e.name, pid: e.pid, code: e.code, signal: e.signal, at: e.at.toISOString(), afterSec: Math.round((e.at.getTime() - ctx.watch.startedMs) / 100) / 10 })),
    ...(recordingProblems.length ? { recordingProblems } : {}),
  } satisfies Omit<RunMeta, 'id' | 'files'>;
  runMetaSchema.omit({ id: true, files: true }).parse(meta);
  const written = await folder.finalize({
    meta,
    ...(consoleText !== null ? { consoleText } : {}),
    junit: await renderJunitFn(summary),
  });
  return { written, summary, verdicts, exitCode };
}

/** The post's table, the verdicts, annotations and where the run folder is. */
function render(p: Prepared, session: PlatformSession, launch: EngineLaunch, rec: Recorded, exit: EngineExit, tokens: RunnerTokenSet, engineMs: number, ui: Ui): void {
  const { flags, engine } = p;
  const resolved = session.resolved;
  const meta = rec.written.meta;
  ui.out('');
  if (rec.summary) {
    ui.out(tableCaption(resolved.platform, flags.scenario, flags.connection));
    ui.out(renderTable(pairRows(rec.summary, measuredPairs(session, launch))));
    if (flags.scenario === 'load') {
      const d = renderDelivery(loadDelivery(rec.summary, { iterations: requestedIterations(flags), durationSec: expectedDurationSec(flags) ?? 0, maxVUs: launch.config.load.maxVUs }));
      ui.out(d.line);
      if (d.warning) ui.err(d.warning);
    }
    ui.out('');
    ui.out(renderVerdicts(rec.verdicts));
    if (flags.githubAnnotations) for (const line of githubAnnotations(rec.written.meta)) ui.out(line);
  } else {
    ui.err(`scenario: the engine wrote no summary (exit ${rec.exitCode ?? exit.signal}); the run folder records what is known.`);
  }
  for (const e of meta.serviceExits ?? []) ui.err(`scenario: ${e.name} (pid ${e.pid}) exited ${e.afterSec} s into the run (${e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`}): its calls after that are errors.`);
  for (const line of meta.recordingProblems ?? []) ui.err(`scenario: ${line}`);
  if (tokens.broker && tokens.broker.served() > 0) ui.out(`token broker: ${tokens.broker.served()} refreshed token(s) handed to the engine`);
  const shown = path.relative(process.cwd(), rec.written.dir);
  ui.out(`run folder: ${shown.startsWith('..') || shown === '' ? rec.written.dir : shown} (${rec.written.meta.status}, engine ${engine.name}, ${Math.round(engineMs / 100) / 10} s)`);
}

/** A group id shared by the runs of one `--repeat N`: when they started, plus a little randomness. */
function newGroupId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** One run, as its named phases: start the platform, tokens, run the engine, record, render. */
async function runOnce(prepared: Prepared, io: RunnerIo, ui: Ui, signals: RunSignals, group: RunMeta['group'] | undefined): Promise<number> {
  const { flags } = prepared;
  let session: PlatformSession | null = null;
  let folder: RunFolder | null = null;
  let tokens: RunnerTokenSet | null = null;
  let dashboard: RunnerDashboard | null = null;
  let watch: ReturnType<typeof watchServices> | null = null;
  try {
    dashboard = await openDashboard(prepared, ui);
    session = await startPlatform(flags, ui, signals);
    if (flags.platform !== 'local') await checkThresholdTags(flags, session.resolved, ui);
    tokens = await fetchRunnerTokens(session, flags, ui);

    const startedAt = new Date();
    folder = await RunFolder.create(path.resolve(flags.resultsDir), { startedAt, platform: flags.platform, scenario: flags.scenario });
    const files = dashboardFiles((name) => (folder as RunFolder).file(name));
    const launch = engineLaunch(prepared, session, folder, tokens, await dashboard.engineInput(files));
    dashboard.beforeEngine(buildThresholds(launch.config));
    const tokensBefore = session.tokenRequests?.();
    watch = watchServices(session, ui);
    const exit = await runEngine(launch, io, signals);
    watch.stop();
    const after = session.tokenRequests?.();
    await dashboard.afterEngine(files);
    const ctx: RunContext = { group, watch, tokenRequests: tokensBefore && after ? tokenRequestsBetween(tokensBefore, after) : undefined };
    const rec = await record(prepared, session, folder, launch, startedAt, exit, signals.interrupted, ctx);
    folder = null;
    await dashboard.copyExport(rec.written.dir, ui.err);
    render(prepared, session, launch, rec, exit, tokens, Date.now() - watch.startedMs, ui);
    // An interrupted run is not a pass, even when the engine stopped cleanly.
    if (signals.interrupted && rec.exitCode === 0) return EXIT_INTERRUPTED;
    return rec.exitCode ?? 1;
  } catch (e) {
    if (e instanceof RunnerExit) return e.code;
    ui.err(`scenario: ${(e as Error).message}`);
    return e instanceof FlagError || e instanceof PlatformUnavailableError ? EXIT_USAGE : 1;
  } finally {
    watch?.stop();
    await dashboard?.close();
    const kept = await folder?.abandon();
    if (kept) ui.err(`scenario: the run's files are kept in ${kept}`);
    await tokens?.broker?.close();
    await session?.stop();
  }
}

/** A scenario run: prepare, check the thresholds, bundle, then the run itself (`--repeat N`: N runs in a row). */
export async function runScenarioCli(argv: string[], io: RunnerIo): Promise<number> {
  const ui: Ui = { out: (text) => io.stdout.write(`${text}\n`), err: (text) => io.stderr.write(`${redactTokens(text)}\n`) };
  const prepared = prepare(argv, ui);
  if (typeof prepared === 'number') return prepared;
  const { flags, engine } = prepared;
  const signals = new RunSignals(ui.err);
  try {
    await checkThresholdTags(flags, null, ui);
    await checkResultsDir(flags, ui);
    await bundleIfStale(flags, ui);
    const groupId = flags.repeat > 1 ? newGroupId() : null;
    let code = 0;
    for (let i = 1; i <= flags.repeat; i++) {
      ui.out(`scenario: ${flags.scenario} on ${flags.platform}, engine: ${engine.reason}${groupId ? ` — run ${i} of ${flags.repeat} (group ${groupId})` : ''}`);
      const c = await runOnce(prepared, io, ui, signals, groupId ? { id: groupId, index: i, of: flags.repeat } : undefined);
      if (code === 0) code = c;
      // A usage error, a tool failure or Ctrl-C ends the series; a crossed threshold (99) does not.
      if (signals.interrupted || (c !== 0 && c !== 99)) break;
    }
    if (groupId) ui.out(`repeat: group ${groupId}; compare groups with npm run compare -- '<baseline runs>' '<candidate runs>' (one run = one observation)`);
    return code;
  } catch (e) {
    if (e instanceof RunnerExit) return e.code;
    ui.err(`scenario: ${(e as Error).message}`);
    return e instanceof FlagError ? EXIT_USAGE : 1;
  } finally {
    signals.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  // A launcher that is gone may take the reader of our stdout with it: cleanup must still run.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  return runScenarioCli(argv, { stdout: process.stdout, stderr: process.stderr, inheritEngineOutput: true });
}
