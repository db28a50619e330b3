// GitHub Actions workflow commands for a run: one `::error` line per crossed threshold, so a
// pull request shows the latency gate that failed right in its checks view.
import type { RunMeta } from './run-meta.ts';

/** True when running inside GitHub Actions (annotations are then printed without being asked). */
export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions — data and
// property values have their own escaping rules.
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function observedText(observed: number | null | undefined): string {
  return observed === null || observed === undefined ? '' : ` (observed ${+observed.toFixed(6)})`;
}

/** `::error` lines for crossed thresholds, `::warning` lines for thresholds without samples, a `::notice` when all passed. */
export function githubAnnotations(meta: RunMeta): string[] {
  const crossed = meta.thresholds.filter((t) => !t.ok);
  const empty = meta.thresholds.filter((t) => t.ok && t.noSamples);
  const warnings = empty.map(
    (t) => `::warning title=${escapeProperty(`No samples: ${t.metric}`)}::${escapeData(`${t.metric} ${t.expression} tested nothing: the sub-metric got no sample — run ${meta.id}`)}`,
  );
  if (crossed.length === 0) {
    const n = meta.thresholds.length - empty.length;
    return [...warnings, `::notice title=${escapeProperty(`s2s ${meta.platform}/${meta.scenario}`)}::${escapeData(`${n} threshold${n === 1 ? '' : 's'} passed (run ${meta.id})`)}`];
  }
  return [...warnings, ...crossed.map(
    (t) =>
      `::error title=${escapeProperty(`Latency threshold crossed: ${t.metric}`)}::${escapeData(
        `${t.metric} ${t.expression}${observedText(t.observed)} — run ${meta.id} on ${meta.platform}/${meta.scenario}`,
      )}`,
  )];
}
