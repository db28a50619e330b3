// The scenario runner's dashboard. Every run exports dashboard.html and timeseries.json into its folder;
// `--dashboard` (or K6_WEB_DASHBOARD=true) adds the live page, configured by k6's own K6_WEB_DASHBOARD_*
// variables. The embedded engine runs the dashboard itself (we pass the switches on); with real k6, k6's
// dashboard runs export-only (dashboard-k6.html) and ours runs here, fed by k6's `--out json` stream.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { dashboardConfigFromEnv, type DashboardConfig } from '../dashboard/config.ts';
import { Dashboard } from '../dashboard/dashboard.ts';
import { SERIES_ENV, TITLE_ENV } from '../dashboard/engine-hook.ts';
import { K6Feed, K6_STREAM_LAG_MS, K6Stream } from '../dashboard/k6-stream.ts';
import { assertPortFree } from '../dashboard/server.ts';
import { RUN_FILES } from '../results/run-folder.ts';
import type { SelectedEngine } from './engine.ts';
import { FlagError } from './flags.ts';

export interface DashboardPlan {
  /** A live page was asked for (--dashboard or K6_WEB_DASHBOARD=true). */
  live: boolean;
  /** Host, port, period and open for our dashboard (exportPath unused: the run folder decides). */
  config: DashboardConfig;
  /** K6_WEB_DASHBOARD_EXPORT from the user's environment: the export is copied there too. */
  userExportPath: string | null;
}

/** k6's web dashboard aggregates per period (default 10 s): a short run needs a short one to show a curve. */
export function dashboardPeriod(expectedDurationSec: number | null): string {
  if (expectedDurationSec === null || expectedDurationSec <= 60) return '1s';
  return `${Math.min(10, Math.max(1, Math.round(expectedDurationSec / 60)))}s`;
}

/** Reads the user's K6_WEB_DASHBOARD_* (a bad value is a FlagError naming it); the period defaults to fit the run. */
export function planDashboard(input: { flag: boolean; env: Readonly<Record<string, string | undefined>>; expectedDurationSec: number | null }): DashboardPlan {
  const env = { ...input.env };
  if (!env.K6_WEB_DASHBOARD_PERIOD) env.K6_WEB_DASHBOARD_PERIOD = dashboardPeriod(input.expectedDurationSec);
  let config: DashboardConfig;
  try {
    config = dashboardConfigFromEnv(env);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
  return { live: input.flag || config.enabled, config: { ...config, enabled: true, exportPath: null }, userExportPath: config.exportPath };
}

export interface DashboardFiles {
  /** Our export: <run folder>/dashboard.html. */
  exportFile: string;
  /** <run folder>/timeseries.json. */
  seriesFile: string;
  /** k6's own export: <run folder>/dashboard-k6.html. */
  k6ExportFile: string;
}

export function dashboardFiles(file: (name: string) => string): DashboardFiles {
  return { exportFile: file(RUN_FILES.dashboard), seriesFile: file(RUN_FILES.timeseries), k6ExportFile: file(RUN_FILES.dashboardK6) };
}

/** What the engine process gets: env that overrides every K6_WEB_DASHBOARD_* of ours, and extra flags. */
export interface DashboardEngineInput {
  env: Record<string, string>;
  args: string[];
}

/**
 * One run's dashboard on the runner side. open() comes before the platform starts, so a port in use stops
 * the run before anything is spawned; with k6 the live page is served from here.
 */
export class RunnerDashboard {
  private stream: K6Stream | null = null;
  private feed: K6Feed | null = null;

  private constructor(
    readonly plan: DashboardPlan,
    private readonly engine: SelectedEngine,
    private readonly title: string,
    /** Our dashboard when k6 runs (null with the embedded engine, which runs its own). */
    private readonly hosted: Dashboard | null,
  ) {}

  static async open(plan: DashboardPlan, engine: SelectedEngine, opts: { title: string; engineLabel: () => string; log: (line: string) => void }): Promise<RunnerDashboard> {
    const port = plan.live ? plan.config.port : -1;
    if (engine.name === 'embedded') {
      // The engine binds it a moment later; checking now fails before the platform starts.
      await assertPortFree(plan.config.host, port);
      return new RunnerDashboard(plan, engine, opts.title, null);
    }
    const hosted = await Dashboard.start({
      config: { ...plan.config, port, open: plan.live && plan.config.open },
      title: opts.title,
      engine: opts.engineLabel(),
      lagMs: K6_STREAM_LAG_MS,
      log: (level, message) => opts.log(`scenario: ${level === 'info' ? '' : `${level}: `}${message}`),
    });
    if (hosted.url) opts.log(`web dashboard: ${hosted.url}`);
    return new RunnerDashboard(plan, engine, opts.title, hosted);
  }

  /** The engine's dashboard env and flags for this run; with k6 this also makes the pipe its samples come through. */
  async engineInput(files: DashboardFiles): Promise<DashboardEngineInput> {
    const periodArg = `${this.plan.config.periodMs}ms`;
    if (this.engine.name === 'embedded') {
      const c = this.plan.config;
      return {
        env: {
          K6_WEB_DASHBOARD: 'true',
          K6_WEB_DASHBOARD_HOST: c.host,
          K6_WEB_DASHBOARD_PORT: String(this.plan.live ? c.port : -1),
          K6_WEB_DASHBOARD_PERIOD: periodArg,
          K6_WEB_DASHBOARD_OPEN: String(this.plan.live && c.open),
          K6_WEB_DASHBOARD_EXPORT: files.exportFile,
          [SERIES_ENV]: files.seriesFile,
          [TITLE_ENV]: this.title,
        },
        args: [],
      };
    }
    this.stream = await K6Stream.create();
    // k6's own dashboard: export only, so it never takes the port nor waits for a browser.
    const env: Record<string, string> = {
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_HOST: '127.0.0.1',
      K6_WEB_DASHBOARD_PORT: '-1',
      K6_WEB_DASHBOARD_PERIOD: periodArg,
      K6_WEB_DASHBOARD_OPEN: 'false',
      K6_WEB_DASHBOARD_EXPORT: files.k6ExportFile,
    };
    return { env, args: ['--out', `json=${this.stream.path}`] };
  }

  /** Just before the engine starts: read k6's stream (thresholds: the run's options, for the live verdicts). */
  beforeEngine(thresholds: Record<string, unknown>): void {
    if (!this.hosted || !this.stream) return;
    const feed = new K6Feed(this.hosted, thresholds);
    this.feed = feed;
    this.stream.start((line) => feed.line(line));
  }

  /** After the engine exited: with k6, drain its stream and write our export and series into the run folder. */
  async afterEngine(files: DashboardFiles): Promise<void> {
    if (!this.hosted) return;
    await this.stream?.end();
    this.stream = null;
    this.hosted.setFiles({ exportPath: files.exportFile, seriesPath: files.seriesFile });
    await this.hosted.finish();
  }

  /** K6_WEB_DASHBOARD_EXPORT: a copy of the run folder's export where the user asked for one. */
  async copyExport(runDir: string, log: (line: string) => void): Promise<void> {
    if (!this.plan.userExportPath) return;
    try {
      await mkdir(path.dirname(path.resolve(this.plan.userExportPath)), { recursive: true });
      await copyFile(path.join(runDir, RUN_FILES.dashboard), this.plan.userExportPath);
    } catch (err) {
      log(`scenario: cannot copy the dashboard export to K6_WEB_DASHBOARD_EXPORT=${this.plan.userExportPath}: ${(err as Error).message}`);
    }
  }

  /** Ends whatever is still open (an early exit); never leaves the pipe or the port behind. */
  async close(): Promise<void> {
    await this.stream?.end();
    this.stream = null;
    await this.hosted?.finish();
  }
}
