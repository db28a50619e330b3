// Real k6 feeds our dashboard through its own `--out json` stream: k6 writes its JSON lines into a named
// pipe (nothing lands on disk), the runner reads them as they come, replays them into a registry for the
// live threshold verdicts, and hands each sample to the dashboard. k6's own dashboard runs export-only.
import { execFileSync } from 'node:child_process';
import { createReadStream, closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { defineBuiltinMetrics, MetricRegistry, type Metric } from '../results/metrics.ts';
import { parseRfc3339Ms } from '../results/ndjson.ts';
import { parseThresholds, type ThresholdSet } from '../results/thresholds.ts';
import type { Dashboard } from './dashboard.ts';
import { verdictsOf } from './verdicts.ts';

/** How late k6's JSON lines reach us after the sample was taken (measured: ~0.2 s; room for a loaded host). */
export const K6_STREAM_LAG_MS = 1000;

/** A named pipe k6 writes `--out json` into, and its reader. */
export class K6Stream {
  private reading: Promise<void> | null = null;
  private done = false;

  private constructor(
    private readonly dir: string,
    /** Give this to k6: `--out json=<path>`. */
    readonly path: string,
  ) {}

  /** Makes the pipe in a private temp folder; throws naming mkfifo when the system cannot make one. */
  static async create(): Promise<K6Stream> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 's2s-k6-stream-'));
    const fifo = path.join(dir, 'k6.ndjson');
    try {
      execFileSync('mkfifo', ['-m', '600', fifo], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`cannot make a named pipe for k6's --out json stream (mkfifo ${fifo}): ${(err as Error).message}`);
    }
    return new K6Stream(dir, fifo);
  }

  /** Starts reading; `onLine` gets every line k6 writes. Call before k6 starts (k6 waits for a reader). */
  start(onLine: (line: string) => void): void {
    // The open blocks (in libuv's pool) until k6 opens its end; end() unblocks it if k6 never does.
    const input = createReadStream(this.path, { highWaterMark: 256 * 1024 });
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', onLine);
    this.reading = new Promise<void>((resolve) => {
      const finish = (): void => {
        this.done = true;
        resolve();
      };
      rl.once('close', finish);
      input.once('error', finish);
    });
  }

  /**
   * After k6 exited: reads what is left and removes the pipe. If k6 never opened the pipe (it failed at
   * start-up), a writer opened and closed here gives the waiting reader its end of file.
   */
  async end(): Promise<void> {
    if (this.reading) {
      const deadline = Date.now() + UNBLOCK_TIMEOUT_MS;
      let unblocked = false;
      while (!this.done && !unblocked) {
        try {
          closeSync(openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK));
          unblocked = true;
        } catch (err) {
          // ENXIO: no reader has the pipe open — either ours is gone (done) or its open() has not run yet.
          if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      if (this.done || unblocked) await this.reading;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** How long end() keeps trying to hand a never-opened pipe its end of file. */
const UNBLOCK_TIMEOUT_MS = 10_000;

interface MetricLine {
  type: 'Metric';
  data: { name: string; type: Metric['type']; contains: Metric['contains'] };
}
interface PointLine {
  type: 'Point';
  metric: string;
  data: { time: string; value: number; tags: Record<string, string> | null };
}

/**
 * Turns k6 JSON lines into dashboard samples and live verdicts. Thresholds come from the run's options
 * (k6's Metric lines list only those on whole metrics, not on sub-metrics).
 */
export class K6Feed {
  private readonly registry = new MetricRegistry();
  private readonly metrics = new Map<string, Metric>();
  private readonly thresholds: ThresholdSet | null;
  private firstMs: number | null = null;
  /** Lines that were not k6 JSON lines (counted, never shown: they could hold anything). */
  skipped = 0;

  constructor(
    private readonly dashboard: Dashboard,
    thresholds: Record<string, unknown> | null,
  ) {
    defineBuiltinMetrics(this.registry);
    this.thresholds = thresholds ? parseThresholds(thresholds, this.registry) : null;
    dashboard.setVerdictSource(verdictsOf(this.thresholds, this.registry, () => (this.firstMs === null ? 0 : Date.now() - this.firstMs)));
  }

  line(text: string): void {
    let obj: MetricLine | PointLine;
    try {
      obj = JSON.parse(text) as MetricLine | PointLine;
    } catch {
      this.skipped++;
      return;
    }
    try {
      if (obj.type === 'Metric') {
        this.metrics.set(obj.data.name, this.registry.define(obj.data.name, obj.data.type, obj.data.contains));
      } else if (obj.type === 'Point') {
        const metric = this.metrics.get(obj.metric);
        if (!metric || typeof obj.data.value !== 'number') return;
        const timeMs = parseRfc3339Ms(obj.data.time);
        if (this.firstMs === null) this.firstMs = timeMs;
        const tags = obj.data.tags ?? {};
        this.registry.add(metric, obj.data.value, tags, timeMs);
        this.dashboard.ingest(metric, obj.data.value, tags, timeMs);
      } else this.skipped++;
    } catch {
      this.skipped++;
    }
  }
}
