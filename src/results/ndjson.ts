// k6 `--out json` lines: writing them from a registry as samples arrive (plain or gzip, streamed), and
// reading them back (collect, report, tests) — the same line shapes real k6 v1 writes.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Metric, MetricRegistry, MetricType, SampleListener, Tags, ValueType } from './metrics.ts';

export interface NdjsonSubmetric {
  name: string;
  suffix: string;
  tags: Record<string, string>;
}
export interface NdjsonMetricLine {
  type: 'Metric';
  data: {
    name: string;
    type: MetricType;
    contains: ValueType;
    thresholds: string[];
    submetrics: NdjsonSubmetric[] | null;
  };
  metric: string;
}
export interface NdjsonPointLine {
  metric: string;
  type: 'Point';
  data: { time: string; value: number; tags: Record<string, string> | null };
}
export type NdjsonLine = NdjsonMetricLine | NdjsonPointLine;

/** What JsonOutput needs from a ThresholdSet: the expressions on a metric, for its Metric line. */
export interface ThresholdExpressions {
  expressionsFor(key: string): string[];
}

export class NdjsonError extends Error {
  override name = 'NdjsonError';
}

/** Flush to the file stream once this many characters are pending, or every FLUSH_INTERVAL_MS. */
const CHUNK_CHARS = 64 * 1024;
const FLUSH_INTERVAL_MS = 200;
/** Above this many bytes queued in the file/gzip streams, `waitForDrain()` makes producers wait. */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * Epoch ms (with sub-ms digits) → RFC 3339 UTC with sub-second digits (microseconds), trailing zeros
 * trimmed, like Go's RFC3339Nano that k6 writes ("2026-11-29T15:05:27.88972107Z").
 */
export function formatRfc3339Nano(timeMs: number): string {
  const sec = Math.floor(timeMs / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  // An epoch-ms double carries ~0.25 µs of precision: write microseconds, not invented nanoseconds.
  let us = Math.round((timeMs - sec * 1000) * 1e3);
  if (us >= 1e6) us = 999_999;
  if (us <= 0) return `${cachedPrefix}Z`;
  const frac = String(us).padStart(6, '0').replace(/0+$/, '');
  return `${cachedPrefix}.${frac}Z`;
}

/** RFC 3339 time (any number of sub-second digits) → epoch ms, keeping sub-millisecond digits. */
export function parseRfc3339Ms(time: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) {
    const t = Date.parse(time);
    if (Number.isNaN(t)) throw new NdjsonError(`invalid time "${time}" (expected RFC 3339, e.g. 2026-11-29T15:05:27.889Z)`);
    return t;
  }
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) throw new NdjsonError(`invalid time "${time}" (expected RFC 3339, e.g. 2026-11-29T15:05:27.889Z)`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}

/** Tags as k6 writes them: keys sorted (Go map order). Cached per tags object: the runtime reuses them. */
const tagsJsonCache = new WeakMap<object, string>();
function tagsJson(tags: Tags): string {
  let s = tagsJsonCache.get(tags);
  if (s === undefined) {
    const keys = Object.keys(tags).sort();
    const sorted: Record<string, string> = {};
    for (const k of keys) sorted[k] = tags[k]!;
    s = JSON.stringify(sorted);
    tagsJsonCache.set(tags, s);
  }
  return s;
}

function metricLine(metric: Metric, thresholds: ThresholdExpressions | undefined): string {
  const line: NdjsonMetricLine = {
    type: 'Metric',
    data: {
      name: metric.name,
      type: metric.type,
      contains: metric.contains,
      thresholds: thresholds ? thresholds.expressionsFor(metric.name) : [],
      submetrics: metric.submetrics.length
        ? metric.submetrics.map((s) => ({ name: s.key, suffix: s.suffix, tags: { ...s.tags } }))
        : null,
    },
    metric: metric.name,
  };
  return JSON.stringify(line);
}

/**
 * Streams every registry sample as k6 `--out json` lines: a Metric line the first time a metric is seen,
 * then one Point line per sample. Lines are batched (64 KiB or 200 ms) into a file stream (gzip when the
 * path ends in .gz). Recording is synchronous and never blocks the event loop; producers that can wait
 * should `await output.waitForDrain()` between iterations so a slow disk bounds memory.
 */
export class JsonOutput {
  private readonly seen = new Set<Metric>();
  private chunk: string[] = [];
  private chunkChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private failure: Error | null = null;
  private readonly finished: Promise<void>;
  private readonly listener: SampleListener;
  private registries: MetricRegistry[] = [];
  /** Lines written so far (Metric and Point). */
  lines = 0;

  private constructor(
    readonly path: string,
    private readonly file: WriteStream,
    private readonly gzip: Gzip | null,
    private readonly thresholds: ThresholdExpressions | undefined,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      file.on('finish', resolve);
      file.on('close', resolve);
      const fail = (err: Error): void => {
        this.failure = new NdjsonError(`cannot write --out json file ${path}: ${err.message}`);
        reject(this.failure);
      };
      file.on('error', fail);
      gzip?.on('error', fail);
    });
    // Errors surface from close(); avoid an unhandled rejection before that.
    this.finished.catch(() => undefined);
    if (gzip) gzip.pipe(file);
    this.listener = (metric, value, tags, timeMs) => this.write(metric, value, tags, timeMs);
  }

  /** Opens (truncates) the file; `.gz` → gzip stream. Failures (missing directory …) surface from close(). */
  static open(path: string, thresholds?: ThresholdExpressions): JsonOutput {
    const file = createWriteStream(path);
    const gzip = path.endsWith('.gz') ? createGzip() : null;
    return new JsonOutput(path, file, gzip, thresholds);
  }

  attach(registry: MetricRegistry): void {
    registry.onSample(this.listener);
    this.registries.push(registry);
  }

  /** Records one sample (what the registry listener calls). */
  write(metric: Metric, value: number, tags: Tags, timeMs: number): void {
    if (this.closed) return;
    if (!this.seen.has(metric)) {
      this.seen.add(metric);
      this.push(metricLine(metric, this.thresholds));
    }
    this.push(
      `{"metric":${JSON.stringify(metric.name)},"type":"Point","data":{"time":"${formatRfc3339Nano(timeMs)}","value":${JSON.stringify(value)},"tags":${tagsJson(tags)}}}`,
    );
  }

  private push(line: string): void {
    this.chunk.push(line);
    this.chunkChars += line.length + 1;
    this.lines++;
    if (this.chunkChars >= CHUNK_CHARS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.chunk.length === 0) return;
    if (this.failure) {
      // The file is gone (close() reports why): drop output rather than queue it forever.
      this.chunk = [];
      this.chunkChars = 0;
      return;
    }
    const text = this.chunk.join('\n') + '\n';
    this.chunk = [];
    this.chunkChars = 0;
    (this.gzip ?? this.file).write(text);
  }

  /** Bytes queued in the streams and not yet written to disk. */
  get pendingBytes(): number {
    return (this.gzip?.writableLength ?? 0) + this.file.writableLength + this.chunkChars;
  }

  /** Resolves at once unless too much output is queued; then when the streams have drained. */
  waitForDrain(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pendingBytes < HIGH_WATER_BYTES) return Promise.resolve();
    const head = this.gzip ?? this.file;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        head.off('drain', done);
        this.file.off('drain', done);
        resolve();
      };
      head.once('drain', done);
      if (head !== this.file) this.file.once('drain', done);
      this.finished.then(done, done);
    });
  }

  /** Detaches, flushes everything and closes the file. Rejects with NdjsonError naming the path on I/O errors. */
  async close(): Promise<void> {
    if (this.closed) return this.finished;
    for (const r of this.registries) r.offSample(this.listener);
    this.flush();
    this.closed = true;
    (this.gzip ?? this.file).end();
    return this.finished;
  }
}

async function isGzipFile(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Streams the lines of a k6 `--out json` file back (gzip detected by content, not only by name). */
export async function* readNdjson(path: string): AsyncIterable<NdjsonLine> {
  let gz: boolean;
  try {
    gz = await isGzipFile(path);
  } catch (err) {
    throw new NdjsonError(`cannot read --out json file ${path}: ${(err as Error).message}`);
  }
  let input: Readable = createReadStream(path);
  if (gz) input = input.pipe(createGunzip());
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const raw of rl) {
      lineNo++;
      const text = raw.trim();
      if (text === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        throw new NdjsonError(`${path}:${lineNo}: not a JSON line (expected k6 --out json output)`);
      }
      const o = obj as { type?: unknown; metric?: unknown; data?: unknown };
      if ((o.type !== 'Metric' && o.type !== 'Point') || typeof o.metric !== 'string' || typeof o.data !== 'object' || o.data === null) {
        throw new NdjsonError(`${path}:${lineNo}: not a k6 Metric or Point line`);
      }
      yield obj as NdjsonLine;
    }
  } finally {
    rl.close();
    input.destroy();
  }
}

/**
 * Replays `--out json` lines into a registry: Metric lines define metrics and their sub-metrics, Point
 * lines are added with their original time. Returns the first and last Point times (epoch ms).
 */
export async function replayNdjson(
  lines: AsyncIterable<NdjsonLine> | Iterable<NdjsonLine>,
  registry: MetricRegistry,
): Promise<{ points: number; firstMs: number | null; lastMs: number | null }> {
  let points = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  for await (const line of lines) {
    if (line.type === 'Metric') {
      const m = registry.define(line.data.name, line.data.type, line.data.contains);
      for (const s of line.data.submetrics ?? []) registry.addSubmetric(`${m.name}{${s.suffix}}`);
    } else {
      const t = parseRfc3339Ms(line.data.time);
      registry.add(line.metric, line.data.value, line.data.tags ?? {}, t);
      points++;
      if (firstMs === null || t < firstMs) firstMs = t;
      if (lastMs === null || t > lastMs) lastMs = t;
    }
  }
  return { points, firstMs, lastMs };
}
