import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FIXTURE, summaryFromFixture } from '../results/summary.fixture.ts';
import type { SummaryData, SummaryMetric } from '../results/summary.ts';
import type { ThresholdEvaluation } from '../results/thresholds.ts';
import { formatBytes, formatDuration, formatPercent, renderTextSummary } from './text-summary.ts';

/** The summary block of a recorded k6 stdout: from the two blank lines before THRESHOLDS to the blanks after NETWORK. */
async function fixtureBlock(which: 'pass' | 'fail'): Promise<string[]> {
  const lines = (await readFile(`${FIXTURE}text-summary/stdout-${which}.txt`, 'utf8')).split('\n');
  const start = lines.indexOf('  █ THRESHOLDS ') - 2;
  const network = lines.indexOf('    NETWORK');
  let end = network + 1;
  while (lines[end] !== '') end++;
  return lines.slice(start, end + 3);
}

/** Inverse of formatDuration for the values k6 printed. */
function parseDurationText(s: string): number {
  const m = /^([\d.]+)(ns|µs|ms|s)$/.exec(s);
  if (!m) throw new Error(`cannot parse duration ${s}`);
  return Number(m[1]) * { ns: 1e-6, µs: 1e-3, ms: 1, s: 1000 }[m[2] as 'ns' | 'µs' | 'ms' | 's'];
}
function parseBytesText(s: string): number {
  const m = /^([\d.]+) (B|kB|MB)$/.exec(s);
  if (!m) throw new Error(`cannot parse bytes ${s}`);
  return Number(m[1]) * { B: 1, kB: 1000, MB: 1e6 }[m[2] as 'B' | 'kB' | 'MB'];
}

/**
 * Summary data (and the threshold evaluation) that hold exactly the numbers a recorded text summary shows:
 * the metric types and keys come from the real k6 handleSummary data of the same script.
 */
async function dataFromText(which: 'pass' | 'fail'): Promise<{ data: SummaryData; ev: ThresholdEvaluation }> {
  const base = JSON.parse(await readFile(`${FIXTURE}pass/handle-summary.json`, 'utf8')) as SummaryData;
  const block = await fixtureBlock(which);
  const metrics: Record<string, SummaryMetric> = {};
  let parent = '';
  let durationMs = 0;
  for (const line of block) {
    const m = /^ {4}( {2}\{ (.+) \}|[a-z_0-9]+)\.+: (.*)$/.exec(line);
    if (!m) continue;
    const key = m[2] ? `${parent}{${m[2]}}` : m[1]!;
    if (!m[2]) parent = key;
    const text = m[3]!.trim();
    if (key.startsWith('checks_')) {
      if (key === 'checks_total') {
        const [count, rate] = text.split(/\s+/);
        durationMs = (Number(count) / Number(rate!.replace('/s', ''))) * 1000;
      }
      continue;
    }
    const ref = base.metrics[key];
    if (!ref) throw new Error(`fixture shows ${key} which handle-summary.json lacks`);
    const values: Record<string, number> = {};
    if (ref.type === 'trend') {
      for (const [, stat, v] of text.matchAll(/(\w+|p\(\d+\))=(\S+)/g)) values[stat!] = parseDurationText(v!);
    } else if (ref.type === 'rate') {
      const [, passes, total] = /(\d+) out of (\d+)/.exec(text)!;
      Object.assign(values, { rate: Number(passes) / Number(total), passes: Number(passes), fails: Number(total) - Number(passes) });
    } else if (ref.type === 'gauge') {
      const [, v, min, max] = /^(\S+)\s+min=(\S+)\s+max=(\S+)$/.exec(text)!;
      Object.assign(values, { value: Number(v), min: Number(min), max: Number(max) });
    } else if (ref.contains === 'data') {
      const [, count, rate] = /^(\S+ \S+)\s+(\S+ \S+)\/s$/.exec(text)!;
      Object.assign(values, { count: parseBytesText(count!), rate: parseBytesText(rate!) });
    } else {
      const [, count, rate] = /^(\S+)\s+(\S+)\/s$/.exec(text)!;
      Object.assign(values, { count: Number(count), rate: Number(rate) });
    }
    metrics[key] = { type: ref.type, contains: ref.contains, values };
  }
  // Threshold lines: verdicts and the observed values k6 printed beside them.
  const results: ThresholdEvaluation['results'] = [];
  let metric = '';
  for (const line of block.slice(0, block.indexOf('  █ TOTAL RESULTS '))) {
    const t = /^ {4}([✓✗]) '(.+)' (\w+|p\(\d+\))=(\S+)$/.exec(line);
    if (!t) {
      if (/^ {4}\S/.test(line)) metric = line.trim();
      continue;
    }
    const ref = base.metrics[metric]!;
    const shown = t[4]!;
    const observed = ref.type === 'rate' ? Number(shown.replace('%', '')) / 100 : ref.type === 'trend' ? parseDurationText(shown) : Number(shown);
    results.push({ metric, expression: t[2]!, ok: t[1] === '✓', observed, abortOnFail: false, delayAbortEvalMs: 0 });
    const entry = (metrics[metric] ??= { type: ref.type, contains: ref.contains, values: { ...ref.values } });
    entry.thresholds = { ...entry.thresholds, [t[2]!]: { ok: t[1] === '✓' } };
  }
  // Hidden in compact mode, but present in the data.
  for (const hidden of ['http_req_blocked', 'group_duration']) metrics[hidden] = base.metrics[hidden]!;
  const data: SummaryData = { ...base, metrics, state: { ...base.state, testRunDurationMs: durationMs } };
  return { data, ev: { results, crossedMetrics: [], abort: false } };
}

describe('renderTextSummary', () => {
  it.each(['pass', 'fail'] as const)('reproduces k6 v1.3.0 text summary (%s) byte for byte from the same numbers', async (which) => {
    const { data, ev } = await dataFromText(which);
    const want = await fixtureBlock(which);
    const got = renderTextSummary(data, { thresholds: ev }).split('\n');
    expect(got.at(-1)).toBe('');
    expect(got.slice(0, -1)).toEqual(want);
  });

  it('renders the replayed fixture run with the same labels, order and sections as k6', async () => {
    const { ours, evaluation } = await summaryFromFixture('pass');
    const got = renderTextSummary(ours).split('\n');
    expect(renderTextSummary(ours, { thresholds: evaluation }).split('\n')).toEqual(got);
    const want = await fixtureBlock('pass');
    const labels = (ls: string[]): string[] => ls.map((l) => l.replace(/\.*:.*$/, '').replace(/=.*$/, '').replace(/\d+/g, '#'));
    expect(labels(got.slice(0, -1))).toEqual(labels(want));
    expect(got).toContain("    ✓ 'p(95)<500' p(95)=1.25ms");
    expect(got).toContain("    ✓ 'p(99)<1000' p(99)=2.67ms"); // not a summaryTrendStats value: from the evaluation
    // Without an evaluation (e.g. data read back from JSON), observed values come from the data when it has them.
    const plain = renderTextSummary(structuredClone(ours)).split('\n');
    expect(plain).toContain("    ✓ 'count>10' count=121");
    expect(plain).toContain("    ✓ 'p(99)<1000'");
  });

  it('colours only when asked', async () => {
    const { ours } = await summaryFromFixture('fail');
    expect(renderTextSummary(ours)).not.toContain('\x1b[');
    const colored = renderTextSummary(ours, { color: true });
    expect(colored).toContain('\x1b[31m✗\x1b[0m');
    expect(colored).toContain('\x1b[32m✓\x1b[0m');
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(renderTextSummary(ours));
  });

  it('shows failing checks with their pass ratio, omits empty blocks, and full mode shows hidden metrics', async () => {
    const { ours } = await summaryFromFixture('pass');
    const data: SummaryData = structuredClone(ours);
    data.root_group.checks[0]!.fails = 3;
    for (const m of Object.values(data.metrics)) delete m.thresholds;
    const text = renderTextSummary(data);
    expect(text).not.toContain('THRESHOLDS');
    expect(text).toContain('    ✗ status is 200\n      ↳  97% — ✓ 121 / ✗ 3\n');
    expect(text).not.toContain('http_req_blocked');
    expect(renderTextSummary(data, { mode: 'full' })).toContain('    http_req_blocked....');
    expect(renderTextSummary(data, { mode: 'full' })).toContain('    group_duration....');
  });
});

describe('renderTextSummary on partial data', () => {
  it('renders a summary read back without options, state or root_group using k6 defaults', async () => {
    const { ours } = await summaryFromFixture('pass');
    const partial = { metrics: structuredClone(ours.metrics) } as unknown as SummaryData;
    const text = renderTextSummary(partial);
    expect(text).toContain('    http_req_duration..............: avg=');
    expect(text).toContain('p(95)=');
    expect(text).toContain('    checks_total.......: 121     0/s');
  });
});

describe('value formatting', () => {
  it.each([
    [0, '0s'],
    [0.0005, '500ns'],
    [0.59997, '599.97µs'],
    [0.1624, '162.4µs'],
    [1.25, '1.25ms'],
    [2.3, '2.3ms'],
    [1200, '1.2s'],
    [62_000, '1m2s'],
    [3_605_000, '1h0m5s'],
  ])('duration %d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
  it('honours summaryTimeUnit', () => {
    expect(formatDuration(1.5, 'ms')).toBe('1.50ms');
    expect(formatDuration(1.5, 's')).toBe('0.00s');
    expect(formatDuration(1.5, 'us')).toBe('1500.00µs');
  });
  it.each([
    [5, '5 B'],
    [45430, '45 kB'],
    [22678.9, '23 kB'],
    [20496, '21 kB'],
    [20400, '20 kB'],
    [1_300_000, '1.3 MB'],
  ])('bytes %d → %s', (b, text) => {
    expect(formatBytes(b)).toBe(text);
  });
  it.each([
    [101 / 222, '45.49%'],
    [121 / 222, '54.50%'],
    [1, '100.00%'],
    [0, '0.00%'],
  ])('percent %d → %s (truncated like k6)', (r, text) => {
    expect(formatPercent(r)).toBe(text);
  });
});
