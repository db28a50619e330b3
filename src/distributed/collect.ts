// `collect`: merges the `--out json` files of N k6 runners into one registry (one HDR histogram per
// metric and sub-metric), evaluates the thresholds once over all samples — which the k6-operator does
// not do — and writes a normal run folder, so `report` and `compare` work on distributed runs too.
import { createWriteStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { renderTextSummary } from '../engine/text-summary.ts';
import { renderJunit } from '../results/junit.ts';
import { MetricRegistry, type Metric, type Tags } from '../results/metrics.ts';
import { readNdjson, replayNdjson, type NdjsonLine } from '../results/ndjson.ts';
import { gitInfo, hostInfo, RunFolder, RUN_FILES } from '../results/run-folder.ts';
import type { RunMeta, RunTarget } from '../results/run-meta.ts';
import { buildSummaryData, makeCheckNode, makeGroupNode, type GroupNode, DEFAULT_SUMMARY_TREND_STATS } from '../results/summary.ts';
import { parseThresholds, ThresholdConfigError } from '../results/thresholds.ts';
import { thresholdVerdicts } from '../runner/verdicts.ts';

/** What `npm run distributed` leaves beside the runners' outputs: how to read them. */
export const MANIFEST_FILE = 'distributed.json';

export interface DistributedManifest {
  name: string;
  platform: string;
  scenario: string;
  parallelism: number;
  createdAt: string;
  /** The scenario config the runners got (no tokens), incl. thresholds. */
  config: Record<string, unknown>;
  /** Runner image, for run.json's engine version. */
  image?: string;
}

export class CollectError extends Error {}

/** A threshold (from the manifest or --threshold) the metrics cannot have: exit 104, as k6 at start. */
export class CollectThresholdError extends CollectError {
  override name = 'CollectThresholdError';
}

export interface CollectOptions {
  /** Folders (searched recursively) or files with the runners' `--out json` output. */
  inputs: string[];
  resultsDir: string;
  /** Overrides / additions, k6 syntax per metric key. */
  thresholds?: Record<string, string[]>;
  /** When no distributed.json is found. */
  platform?: string;
  scenario?: string;
  log?: (line: string) => void;
}

export interface CollectResult {
  exitCode: 0 | 99;
  dir: string;
  meta: RunMeta;
  files: string[];
  points: number;
}

const OUTPUT_RE = /\.ndjson(\.gz)?$/;

async function findOutputs(inputs: string[]): Promise<{ files: string[]; manifest: DistributedManifest | null }> {
  const files: string[] = [];
  let manifest: DistributedManifest | null = null;
  const walk = async (p: string): Promise<void> => {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new CollectError(`collect: ${p} does not exist (give the folder the runners wrote their --out json files into)`);
    }
    if (s.isFile()) {
      if (path.basename(p) === MANIFEST_FILE) manifest ??= await readManifest(p);
      else if (OUTPUT_RE.test(p)) files.push(p);
      return;
    }
    const entries = (await readdir(p)).sort();
    for (const e of entries) {
      if (e.startsWith('.')) continue;
      await walk(path.join(p, e));
    }
  };
  for (const input of inputs) await walk(path.resolve(input));
  return { files, manifest };
}

async function readManifest(file: string): Promise<DistributedManifest> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as DistributedManifest;
    if (typeof m.platform !== 'string' || typeof m.scenario !== 'string' || typeof m.config !== 'object') throw new Error('missing platform, scenario or config');
    return m;
  } catch (err) {
    throw new CollectError(`collect: ${file} is not a valid ${MANIFEST_FILE} (${(err as Error).message})`);
  }
}

/** Rebuilds k6's group/check tree from the `checks` Points (tags `group` and `check`). */
class CheckTree {
  readonly root = makeGroupNode('');
  private readonly groups = new Map<string, GroupNode>([['', this.root]]);

  private group(path: string): GroupNode {
    const known = this.groups.get(path);
    if (known) return known;
    const parts = path.split('::').filter((p, i) => i > 0 || p !== '');
    const name = parts.pop() ?? '';
    const parent = this.group(parts.length ? `::${parts.join('::')}` : '');
    const g = makeGroupNode(name, parent);
    parent.groups.push(g);
    this.groups.set(path, g);
    return g;
  }

  add(tags: Tags, value: number): void {
    const name = tags.check;
    if (name === undefined) return;
    const g = this.group(tags.group ?? '');
    let c = g.checks.find((x) => x.name === name);
    if (!c) {
      c = makeCheckNode(name, g);
      g.checks.push(c);
    }
    if (value !== 0) c.passes++;
    else c.fails++;
  }
}

function targetsFrom(config: Record<string, unknown>, platform: string): RunTarget[] {
  const pairs = Array.isArray(config.pairs) ? (config.pairs as Array<Record<string, unknown>>) : [];
  return pairs.map((p) => ({
    name: String(p.target),
    url: '',
    auth: (['id-token', 'mesh-mtls', 'none'].includes(String(p.auth)) ? p.auth : 'none') as RunTarget['auth'],
    platform,
    source: String(p.source),
  }));
}

export async function collect(o: CollectOptions): Promise<CollectResult> {
  const log = o.log ?? (() => {});
  const { files, manifest } = await findOutputs(o.inputs);
  if (files.length === 0) {
    throw new CollectError(`collect: no --out json files (*.ndjson or *.ndjson.gz) under ${o.inputs.join(', ')}`);
  }
  const platform = manifest?.platform ?? o.platform ?? 'distributed';
  const scenario = manifest?.scenario ?? o.scenario ?? 'collected';
  const config = manifest?.config ?? {};
  const configThresholds = (config.thresholds ?? {}) as Record<string, string[]>;
  const thresholdInput: Record<string, unknown[]> = { ...configThresholds };
  for (const [k, v] of Object.entries(o.thresholds ?? {})) thresholdInput[k] = [...(thresholdInput[k] ?? []), ...v];

  const registry = new MetricRegistry();
  let set;
  try {
    set = parseThresholds(thresholdInput, registry);
  } catch (err) {
    if (err instanceof ThresholdConfigError) throw new CollectThresholdError(`collect: ${err.message}`);
    throw err;
  }
  const checks = new CheckTree();
  registry.onSample((metric: Metric, value: number, tags: Tags) => {
    if (metric.name === 'checks') checks.add(tags, value);
  });

  let points = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  for (const file of files) {
    const r = await replayNdjson(readNdjson(file) as AsyncIterable<NdjsonLine>, registry);
    points += r.points;
    if (r.firstMs !== null && (firstMs === null || r.firstMs < firstMs)) firstMs = r.firstMs;
    if (r.lastMs !== null && (lastMs === null || r.lastMs > lastMs)) lastMs = r.lastMs;
    log(`collect: ${path.relative(process.cwd(), file) || file}: ${r.points} points`);
  }
  if (points === 0) throw new CollectError(`collect: the ${files.length} output file(s) hold no Point lines`);
  try {
    set.validate(registry);
  } catch (err) {
    throw new CollectError(`collect: ${(err as Error).message}`);
  }

  const startedAt = new Date(firstMs ?? Date.now());
  const folder = await RunFolder.create(o.resultsDir, { startedAt, platform, scenario });
  try {
    // One merged metrics.ndjson.gz for report/compare: every Point of every runner, each Metric line once.
    const seenMetrics = new Set<string>();
    async function* merged(): AsyncGenerator<string> {
      for (const file of files) {
        for await (const line of readNdjson(file)) {
          if (line.type === 'Metric') {
            if (seenMetrics.has(line.data.name)) continue;
            seenMetrics.add(line.data.name);
          }
          yield `${JSON.stringify(line)}\n`;
        }
      }
    }
    await pipeline(Readable.from(merged()), createGzip(), createWriteStream(folder.file(RUN_FILES.metrics)));
    const durationMs = Math.max(1, (lastMs ?? 0) - (firstMs ?? 0));
    const evaluation = set.evaluate(registry, { elapsedMs: durationMs, final: true });
    const trendStats = Array.isArray(config.summaryTrendStats) ? (config.summaryTrendStats as string[]) : [...DEFAULT_SUMMARY_TREND_STATS, 'p(99)', 'count'];
    const summary = buildSummaryData({
      registry,
      thresholds: evaluation,
      rootGroup: checks.root,
      summaryTrendStats: trendStats,
      noColor: true,
      isStdOutTTY: false,
      isStdErrTTY: false,
      testRunDurationMs: durationMs,
    });
    await writeFile(folder.file(RUN_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
    const verdicts = thresholdVerdicts(summary);
    const crossed = verdicts.some((v) => !v.ok);
    const { dir, meta } = await folder.finalize({
      meta: {
        schemaVersion: 1,
        platform,
        scenario,
        engine: { name: 'k6', version: manifest?.image ?? 'k6 (runner image)' },
        git: gitInfo(process.cwd()),
        host: hostInfo(),
        config: { ...config, collected: { runners: files.length, name: manifest?.name ?? null, parallelism: manifest?.parallelism ?? null } },
        targets: targetsFrom(config, platform),
        startedAt: startedAt.toISOString(),
        endedAt: new Date(lastMs ?? Date.now()).toISOString(),
        durationMs,
        exitCode: crossed ? 99 : 0,
        status: crossed ? 'thresholds-crossed' : 'passed',
        interrupted: false,
        thresholds: verdicts,
      },
      consoleText: renderTextSummary(summary),
      junit: (m) => renderJunit(m, summary.root_group),
    });
    return { exitCode: crossed ? 99 : 0, dir, meta, files, points };
  } catch (err) {
    await folder.abandon();
    throw err;
  }
}
