// Did every batch land whole? A scenario records a ping answer's samples and then its call count (the commit
// mark of the batch, see scenarios/lib/record.ts). The embedded engine cannot cut that in half; real k6 can
// interrupt a VU anywhere, so after an interrupted run the samples recorded after the last commit mark of a
// pair are a batch recorded in part: named here, so the run says so instead of disagreeing with itself.
import { readPoints } from '../results/run-folder-read.ts';

/** Metrics a batch writes before its s2s_calls commit mark. */
const BEFORE_COMMIT = new Set(['s2s_latency_ms', 's2s_first_ms', 's2s_token_ms', 's2s_dns_ms', 's2s_connect_ms', 's2s_tls_ms', 's2s_ttfb_ms', 's2s_errors', 's2s_first_cold']);

/** One line per pair whose last batch was recorded without its commit mark; empty when all batches are whole. */
export async function partialBatches(ndjsonFile: string): Promise<string[]> {
  const pending = new Map<string, number>();
  for await (const p of readPoints(ndjsonFile)) {
    const target = p.tags.target;
    if (target === undefined) continue;
    const key = `${p.tags.source ?? '?'} → ${target}`;
    if (p.metric === 's2s_calls') pending.set(key, 0);
    else if (BEFORE_COMMIT.has(p.metric)) pending.set(key, (pending.get(key) ?? 0) + 1);
  }
  return [...pending]
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${key}: the batch in progress at the interruption was recorded in part (${n} samples without their call count): its latency samples are in the summary, its calls and errors are not.`);
}
