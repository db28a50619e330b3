// Deliberate differences between `s2s run` and the goldens recorded by real k6 v1.3.0: the ONE list, each with
// its reason. The conformance test fails on any other difference, on an entry that no longer occurs, and on an
// entry that tries to excuse an exit code or a threshold verdict (those must always match).

export interface DeliberateDifference {
  /** The case's name (cases.ts). */
  case: string;
  /** A path of the normal form (compareNormalised's `where`), e.g. "stderr" or "summary.metrics.vus". */
  where: string;
  reason: string;
}

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [];
