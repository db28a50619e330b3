// One dashboard for one run, whichever engine produced the samples: it aggregates them per period
// (timeseries-builder), serves the live page and its event stream (server.ts) when a port is set, and at
// the end writes the self-contained export (and timeseries.json when asked). The embedded engine attaches
// it to its registry; the scenario runner feeds it k6's `--out json` stream (k6-stream.ts).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MetricRegistry, SampleListener, Tags } from '../results/metrics.ts';
import { TimeSeriesBuilder, type SeriesMetric } from '../results/timeseries-builder.ts';
import { clientScript } from './client-bundle.ts';
import type { DashboardConfig } from './config.ts';
import { sseFrame, type DashboardMeta, type DashboardSnapshot, type LiveVerdict } from './model.ts';
import { openInBrowser } from './open.ts';
import { renderDashboardPage } from './page.ts';
import { DashboardServer } from './server.ts';

export interface DashboardOptions {
  config: DashboardConfig;
  /** Heading of the page, e.g. "local · load" or the script's file name. */
  title: string;
  /** Which engine produces the samples, shown in the footer. */
  engine: string;
  /** Also write the per-period series here at the end (the run folder's timeseries.json). */
  seriesPath?: string | null;
  /** How late a sample may arrive after its period ended, ms: 0 for the engine's own registry, more for k6's buffered stream. */
  lagMs?: number;
  /** Where notices go (the engine's logfmt lines, the runner's stderr). */
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
  /** K6_WEB_DASHBOARD_OPEN's opener (tests replace it). */
  openBrowser?: (url: string) => void;
}

/** Closing periods more often than this buys nothing; less often delays an update. */
const TICK_MAX_MS = 250;

export class Dashboard {
  private readonly builder: TimeSeriesBuilder;
  private readonly meta: DashboardMeta;
  private verdicts: LiveVerdict[] = [];
  private verdictSource: (() => LiveVerdict[]) | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly detach: Array<() => void> = [];
  private finished: Promise<void> | null = null;
  private ended = false;
  private files: { exportPath: string | null; seriesPath: string | null };
  private readonly listener: SampleListener = (metric, value, tags, timeMs) => this.builder.add(metric, value, tags, timeMs);

  private constructor(
    private readonly opts: DashboardOptions,
    private readonly server: DashboardServer | null,
  ) {
    const periodMs = opts.config.periodMs;
    this.builder = new TimeSeriesBuilder(periodMs);
    this.meta = { title: opts.title, engine: opts.engine, periodMs, startedAt: new Date().toISOString() };
    this.files = { exportPath: opts.config.exportPath, seriesPath: opts.seriesPath ?? null };
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(TICK_MAX_MS, periodMs / 4)));
    this.timer.unref();
  }

  /**
   * Starts the dashboard: binds the live page's port unless it is -1 (DashboardListenError when it cannot),
   * opens a browser when asked, and starts bundling the page script so the first page load is quick.
   */
  static async start(opts: DashboardOptions): Promise<Dashboard> {
    const script = clientScript();
    script.catch(() => undefined); // reported where it is used (page or export)
    let dashboard: Dashboard | null = null;
    const server =
      opts.config.port < 0
        ? null
        : await DashboardServer.listen(opts.config.host, opts.config.port, {
            page: () => renderDashboardPage(opts.title),
            replay: () => (dashboard ? dashboard.replayFrames() : ''),
          });
    dashboard = new Dashboard(opts, server);
    if (server && opts.config.open) (opts.openBrowser ?? ((url) => openInBrowser(url, (m) => opts.log('warning', m))))(server.url);
    return dashboard;
  }

  /** The live page, or null in export-only mode (port -1). */
  get url(): string | null {
    return this.server?.url ?? null;
  }

  /** Feeds every sample of a registry (the embedded engine's) into the dashboard until finish(). */
  attach(registry: MetricRegistry): void {
    registry.onSample(this.listener);
    this.detach.push(() => registry.offSample(this.listener));
  }

  /** One sample from elsewhere (k6's stream). */
  ingest(metric: SeriesMetric, value: number, tags: Tags, timeMs: number): void {
    if (!this.ended) this.builder.add(metric, value, tags, timeMs);
  }

  /** Where finish() writes the export and the series (the runner knows its run folder only later). */
  setFiles(files: { exportPath: string | null; seriesPath: string | null }): void {
    this.files = { ...files };
  }

  /** Where the live threshold verdicts come from; asked once per period. */
  setVerdictSource(source: () => LiveVerdict[]): void {
    this.verdictSource = source;
  }

  private evaluate(): LiveVerdict[] {
    if (!this.verdictSource) return this.verdicts;
    try {
      this.verdicts = this.verdictSource();
    } catch (err) {
      this.opts.log('warning', `web dashboard: evaluating the thresholds failed: ${(err as Error).message}`);
    }
    return this.verdicts;
  }

  private tick(): void {
    if (this.ended) return;
    const rows = this.builder.closeUntil(Date.now() - (this.opts.lagMs ?? 0));
    if (rows.length === 0) return;
    const verdicts = this.evaluate();
    this.server?.broadcast(rows.map((data) => sseFrame({ type: 'period', data })).join('') + sseFrame({ type: 'verdicts', data: verdicts }));
  }

  private replayFrames(): string {
    const doc = this.builder.doc();
    // A browser that connects before the first period still gets the threshold list.
    const verdicts = this.ended ? this.verdicts : this.evaluate();
    return [sseFrame({ type: 'meta', data: this.meta }), ...doc.periods.map((data) => sseFrame({ type: 'period', data })), sseFrame({ type: 'verdicts', data: verdicts })].join('');
  }

  /** Everything the dashboard knows now, as the export holds it. */
  snapshot(): DashboardSnapshot {
    return { meta: this.meta, series: this.builder.doc(), verdicts: this.verdicts, ended: this.ended };
  }

  /**
   * Ends the run on the dashboard: closes the last periods, sends the final verdicts and the end of the
   * stream, stops listening, and writes the export (and series). Idempotent; never throws — a file that
   * cannot be written is reported through `log`.
   */
  finish(finalVerdicts?: LiveVerdict[]): Promise<void> {
    this.finished ??= this.doFinish(finalVerdicts);
    return this.finished;
  }

  private async doFinish(finalVerdicts: LiveVerdict[] | undefined): Promise<void> {
    clearInterval(this.timer);
    for (const d of this.detach.splice(0)) d();
    const rows = this.builder.finish();
    this.verdicts = finalVerdicts ?? this.evaluate();
    this.ended = true;
    const last = rows.map((data) => sseFrame({ type: 'period', data })).join('') + sseFrame({ type: 'end', data: { verdicts: this.verdicts } });
    await this.server?.close(last);
    const snap = this.snapshot();
    const { exportPath, seriesPath } = this.files;
    if (exportPath) {
      try {
        await writeAtomically(exportPath, await renderDashboardPage(this.opts.title, snap));
      } catch (err) {
        this.opts.log('error', `web dashboard: cannot write the export ${exportPath}: ${(err as Error).message}`);
      }
    }
    if (seriesPath) {
      try {
        await writeAtomically(seriesPath, `${JSON.stringify(snap.series)}\n`);
      } catch (err) {
        this.opts.log('error', `web dashboard: cannot write the time series ${seriesPath}: ${(err as Error).message}`);
      }
    }
  }
}

/** Writes beside the target and renames, so a reader never sees half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const abs = path.resolve(file);
  await mkdir(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, abs);
}
