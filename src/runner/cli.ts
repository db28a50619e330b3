// `s2s scenario <platform> [flags]` (npm run scenario:<platform>): build if stale, open the platform, fetch
// the runner's own tokens, run the scenario in k6 or the embedded engine, then write the run folder, print
// the post's table and the threshold verdicts, and exit with the engine's code.
import { githubAnnotations } from '../results/annotations.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { runMetaSchema, RUN_SCHEMA_VERSION, type RunMeta, type RunTarget } from '../results/run-meta.ts';
import { gitInfo, hostInfo, redactTokens, RunFolder, RUN_FILES } from '../results/run-folder.ts';
import { bundleScenarios, defaultBuildPaths, isBuildStale, REPO_ROOT } from './build.ts';
import { defaultThresholds } from './default-thresholds.ts';
import { engineCommand, engineVersion, selectEngine, type SelectedEngine } from './engine.ts';
import { FlagError, helpText, parseRunnerFlags, type RunnerFlags } from './flags.ts';
import { openPlatform, PlatformUnavailableError, type PlatformSession } from './platform.ts';
import { buildScenarioConfig, expectedDurationSec, loadVUs, recordedConfig, requestTimeoutSec, tokenEnvNames } from './run-config.ts';
import { pairRows, renderTable } from './table.ts';
import { mergeThresholds } from './thresholds.ts';
import { startTokenBroker, type TokenBroker } from './token-broker.ts';
import { isSummaryLike, renderVerdicts, thresholdVerdicts, type SummaryLike } from './verdicts.ts';
import { CONFIG_ENV } from '../../scenarios/lib/config.ts';
import { DIRECT_SOURCE, measuredKeys } from '../../scenarios/lib/options.ts';

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
/** Signals arriving this close to the first are the same Ctrl-C relayed by npm/tsx, not a second press. */
const DUPLICATE_SIGNAL_MS = 1000;

const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

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

export async function runScenarioCli(argv: string[], io: RunnerIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${redactTokens(text)}\n`);

  let flags: RunnerFlags | null;
  let engine: SelectedEngine;
  try {
    flags = parseRunnerFlags(argv);
    if (flags === null) {
      out(helpText());
      return 0;
    }
    engine = selectEngine(flags.engine);
  } catch (e) {
    err(`scenario: ${(e as Error).message}`);
    return EXIT_USAGE;
  }

  let interrupted = false;
  let firstSignalAt = 0;
  let child: ChildProcess | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (!interrupted) {
      interrupted = true;
      firstSignalAt = now;
      err(`\nscenario: ${signal}: stopping the engine gracefully (press Ctrl-C again to force)…`);
      child?.kill('SIGINT');
      return;
    }
    if (now - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    err('scenario: forcing the engine to stop');
    child?.kill('SIGKILL');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let session: PlatformSession | null = null;
  let folder: RunFolder | null = null;
  let broker: TokenBroker | null = null;
  try {
    if (isBuildStale()) {
      // Bundle only: types do not change the output, and a type-check costs seconds to tens of seconds on a
      // loaded machine. `npm run build` / `npm run typecheck` (and CI) gate the types.
      const t0 = performance.now();
      const outputs = await bundleScenarios(defaultBuildPaths());
      if (!flags.quiet) out(`bundled ${outputs.map((o) => path.basename(o.file)).join(', ')} into build/ (${Math.round(performance.now() - t0)} ms; type-check: npm run build)`);
    }
    out(`scenario: ${flags.scenario} on ${flags.platform}, engine: ${engine.reason}`);

    try {
      session = await openPlatform(flags.platform, {
        pongDelayMs: flags.pongDelayMs,
        pingEnv: localPingEnv(flags),
        // The platform's own progress lines, not every service log line (those stay in the services).
        log: (line) => {
          if (!flags.quiet && line.startsWith('local platform:')) err(line);
        },
        notice: (line) => err(line),
      });
    } catch (e) {
      err(`scenario: ${(e as Error).message}`);
      if (interrupted) return EXIT_INTERRUPTED;
      // Not deployed (cloud) is a usage error; a local platform that fails to start is a tool failure.
      return e instanceof PlatformUnavailableError ? EXIT_USAGE : 1;
    }
    if (interrupted) return EXIT_INTERRUPTED;
    const resolved = session.resolved;

    // Tokens for the hops the runner makes itself: fetched now (fail fast), handed over in env only.
    const tokenEnv = tokenEnvNames(resolved, flags.scenario);
    const audiences: Record<string, string> = {};
    for (const p of resolved.pings) if (tokenEnv.pings[p.source]) audiences[tokenEnv.pings[p.source] as string] = p.url;
    for (const d of resolved.direct) if (tokenEnv.direct[d.name]) audiences[tokenEnv.direct[d.name] as string] = new URL(d.url).origin;
    const tokenValues: Record<string, string> = {};
    for (const [envName, audience] of Object.entries(audiences)) {
      try {
        tokenValues[envName] = await session.tokens(audience);
      } catch (e) {
        err(`scenario: fetching an ID token for ${audience} failed: ${(e as Error).message}`);
        return EXIT_USAGE;
      }
    }
    if (Object.keys(audiences).length > 0) broker = await startTokenBroker(audiences, session.tokens);

    const startedAt = new Date();
    folder = await RunFolder.create(path.resolve(flags.resultsDir), { startedAt, platform: flags.platform, scenario: flags.scenario });
    const thresholds = mergeThresholds(defaultThresholds(flags.platform), flags.thresholds);
    const config = buildScenarioConfig({
      flags,
      resolved,
      thresholds,
      tokenEnv,
      summaryPath: folder.file(RUN_FILES.summary),
      tokenBroker: broker ? { url: broker.url, keyEnv: BROKER_KEY_ENV, refreshBeforeExpirySec: refreshBeforeExpirySec(process.env) } : null,
    });

    const cmd = engineCommand(engine, {
      script: path.join(REPO_ROOT, 'build', `${flags.scenario}.js`),
      ndjsonFile: flags.outNdjson ? folder.file(RUN_FILES.metrics) : null,
      quiet: flags.quiet,
      dashboardFile: folder.file(RUN_FILES.dashboard),
      expectedDurationSec: expectedDurationSec(flags),
    });
    const env: NodeJS.ProcessEnv = { ...process.env, ...cmd.env, [CONFIG_ENV]: JSON.stringify(config), ...tokenValues };
    if (broker) env[BROKER_KEY_ENV] = broker.key;
    if (resolved.caFile) {
      // Node (embedded engine) adds the run CA to its roots; Go (k6) reads SSL_CERT_FILE.
      if (engine.name === 'embedded') env.NODE_EXTRA_CA_CERTS = resolved.caFile;
      else env.SSL_CERT_FILE = resolved.caFile;
    }

    const engineStartedMs = Date.now();
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      // Own process group: a terminal Ctrl-C reaches only us, and we forward exactly one SIGINT (a second
      // SIGINT would make the engine hard-exit without its summary).
      const proc = spawn(cmd.command, cmd.args, {
        cwd: REPO_ROOT,
        env,
        detached: true,
        stdio: io.inheritEngineOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      proc.stdout?.on('data', (chunk: Buffer) => io.stdout.write(redactTokens(chunk.toString())));
      proc.stderr?.on('data', (chunk: Buffer) => io.stderr.write(redactTokens(chunk.toString())));
      proc.once('error', reject);
      proc.once('close', (code, signal) => resolve({ code, signal }));
      if (interrupted) proc.kill('SIGINT');
    });
    child = null;
    const exitCode = exit.code ?? (exit.signal ? EXIT_INTERRUPTED : null);

    const summary = await readSummary(folder.file(RUN_FILES.summary));
    const verdicts = summary ? thresholdVerdicts(summary) : [];
    const consoleText = summary ? await renderConsole(summary) : null;
    const endedAt = new Date();
    const meta = {
      schemaVersion: RUN_SCHEMA_VERSION,
      platform: flags.platform,
      scenario: flags.scenario,
      engine: { name: engine.name, version: engineVersion(engine) },
      git: gitInfo(REPO_ROOT),
      host: hostInfo(),
      config: recordedConfig({ flags, config, engine: { choice: flags.engine, name: engine.name, reason: engine.reason }, resolved }),
      targets: targetsOf(session, flags),
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      exitCode,
      status: statusOf(exitCode, interrupted),
      interrupted,
      thresholds: verdicts,
    } satisfies Omit<RunMeta, 'id' | 'files'>;
    runMetaSchema.omit({ id: true, files: true }).parse(meta);
    const written = await folder.finalize({
      meta,
      ...(consoleText !== null ? { consoleText } : {}),
      junit: await renderJunitFn(summary),
    });
    folder = null;

    out('');
    if (summary) {
      const auths = new Map(resolved.pairs.map((p) => [`${p.source}\u0000${p.target}`, p.auth]));
      for (const d of resolved.direct) auths.set(`${DIRECT_SOURCE}\u0000${d.name}`, d.auth);
      const pairs = measuredKeys(config).map((k) => ({ ...k, auth: auths.get(`${k.source}\u0000${k.target}`) ?? '?' }));
      out(`${resolved.platform} · ${flags.scenario} · ${flags.connection} connection · times in ms (first = first call of a batch; mean all = the post's average; p50/p95/p99 = warm calls)`);
      out(renderTable(pairRows(summary, pairs)));
      out('');
      out(renderVerdicts(verdicts));
      if (flags.githubAnnotations) for (const line of githubAnnotations(written.meta)) out(line);
    } else {
      err(`scenario: the engine wrote no summary (exit ${exitCode ?? exit.signal}); the run folder records what is known.`);
    }
    if (broker && broker.served() > 0) out(`token broker: ${broker.served()} refreshed token(s) handed to the engine`);
    const shown = path.relative(process.cwd(), written.dir);
    out(`run folder: ${shown.startsWith('..') || shown === '' ? written.dir : shown} (${written.meta.status}, engine ${engine.name}, ${Math.round((Date.now() - engineStartedMs) / 100) / 10} s)`);
    // An interrupted run is not a pass, even when the engine stopped cleanly.
    if (interrupted && exitCode === 0) return EXIT_INTERRUPTED;
    return exitCode ?? 1;
  } catch (e) {
    if (e instanceof FlagError || e instanceof PlatformUnavailableError) {
      err(`scenario: ${e.message}`);
      return EXIT_USAGE;
    }
    err(`scenario: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const c = child as ChildProcess | null;
    if (c && c.exitCode === null) c.kill('SIGKILL');
    await folder?.abandon();
    await broker?.close();
    await session?.stop();
  }
}

export async function main(argv: string[]): Promise<number> {
  return runScenarioCli(argv, { stdout: process.stdout, stderr: process.stderr, inheritEngineOutput: true });
}
