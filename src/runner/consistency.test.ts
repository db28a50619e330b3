import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialBatches } from './consistency.ts';

const point = (metric: string, target: string, value = 1) =>
  JSON.stringify({ type: 'Point', metric, data: { time: '2026-11-29T15:00:00.000Z', value, tags: { source: 'local', target } } });

describe('partialBatches', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 's2s-consistency-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('whole batches (samples then their call count) are fine; trailing samples without a count are named', async () => {
    const file = path.join(dir, 'm.ndjson');
    const whole = [point('s2s_first_ms', 'pong-sec'), point('s2s_latency_ms', 'pong-sec'), point('s2s_errors', 'pong-sec', 0), point('s2s_calls', 'pong-sec', 2)];
    await writeFile(file, [...whole, ...whole].join('\n') + '\n');
    expect(await partialBatches(file)).toEqual([]);
    await writeFile(file, [...whole, point('s2s_first_ms', 'pong-unsec'), point('s2s_latency_ms', 'pong-unsec'), point('s2s_latency_ms', 'pong-unsec')].join('\n') + '\n');
    expect(await partialBatches(file)).toEqual([expect.stringMatching(/^local → pong-unsec: the batch in progress at the interruption was recorded in part \(3 samples without their call count\)/)]);
  });
});
