// Thresholds checked against the run's own tag values before anything starts: `s2s_latency_ms{target:nope}`
// would otherwise select an empty sub-metric that k6 passes as 0 ms. The runner knows the platform, the
// sources, the targets and their auth modes; an unknown value is invalid config (exit 104, as k6 gives).
import type { ThresholdFlag } from './thresholds.ts';

/** The tags the runner sets on every scenario sample, with the values this run can produce. */
export interface KnownTags {
  platform: string[];
  source: string[];
  target: string[];
  auth: string[];
}

export const CHECKED_TAGS = ['platform', 'source', 'target', 'auth'] as const;

/** What a platform measures, as far as tags go (local: known before it starts; cloud: from deploy state). */
export interface Topology {
  platform: string;
  pairs: ReadonlyArray<{ source: string; target: string; auth: string }>;
  direct: ReadonlyArray<{ name: string; auth: string }>;
}

export function knownTags(topology: Topology, scenario: string, directSource: string): KnownTags {
  const uniq = (xs: string[]) => [...new Set(xs)];
  if (scenario === 'direct') {
    return { platform: [topology.platform], source: [directSource], target: uniq(topology.direct.map((d) => d.name)), auth: uniq(topology.direct.map((d) => d.auth)) };
  }
  return {
    platform: [topology.platform],
    source: uniq(topology.pairs.map((p) => p.source)),
    target: uniq(topology.pairs.map((p) => p.target)),
    auth: uniq(topology.pairs.map((p) => p.auth)),
  };
}

export class ThresholdTagError extends Error {
  override name = 'ThresholdTagError';
}

/** One line per --threshold naming a value this run cannot produce, with the valid ones. Empty: all fine. */
export function unknownTagProblems(flags: readonly ThresholdFlag[], known: KnownTags, where: string): string[] {
  const problems: string[] = [];
  for (const f of flags) {
    const brace = f.metric.indexOf('{');
    if (brace < 0) continue;
    for (const pair of f.metric.slice(brace + 1, -1).split(',')) {
      const colon = pair.indexOf(':');
      const tag = pair.slice(0, colon) as (typeof CHECKED_TAGS)[number];
      const value = pair.slice(colon + 1);
      if (!(CHECKED_TAGS as readonly string[]).includes(tag)) continue;
      const valid = known[tag];
      if (!valid.includes(value)) {
        problems.push(
          `--threshold '${f.metric}=${f.expression}': ${tag} ${JSON.stringify(value)} does not occur in this run (${where}); valid ${tag} values: ${valid.join(', ')}. A sub-metric without samples would pass as 0.`,
        );
      }
    }
  }
  return problems;
}
