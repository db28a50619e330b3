// How the embedded engine (`s2s run`) runs its dashboard: attached to the run's registry (the samples every
// output sees), with the run's own ThresholdSet for the live verdicts. run.ts calls these two functions.
import path from 'node:path';
import type { MetricRegistry } from '../results/metrics.ts';
import type { ThresholdEvaluation, ThresholdSet } from '../results/thresholds.ts';
import type { DashboardConfig } from './config.ts';
import { Dashboard } from './dashboard.ts';
import { liveVerdicts, verdictsOf } from './verdicts.ts';

/** Set by the scenario runner: the page's heading and where the run folder's timeseries.json goes. */
export const TITLE_ENV = 'S2S_DASHBOARD_TITLE';
export const SERIES_ENV = 'S2S_DASHBOARD_SERIES';

export interface EngineDashboardInput {
  config: DashboardConfig;
  registry: MetricRegistry;
  thresholds: ThresholdSet | null;
  scriptPath: string;
  engineVersion: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Test time so far (counter rates in thresholds). */
  elapsedMs: () => number;
  log: (level: 'info' | 'warning' | 'error', message: string) => void;
}

/** Binds the live page (DashboardListenError when the port is taken) and attaches to the registry. */
export async function startEngineDashboard(input: EngineDashboardInput): Promise<Dashboard> {
  const dashboard = await Dashboard.start({
    config: input.config,
    title: input.env[TITLE_ENV] || path.basename(input.scriptPath),
    engine: `s2s embedded engine v${input.engineVersion}`,
    seriesPath: input.env[SERIES_ENV] || null,
    lagMs: 0,
    log: input.log,
  });
  dashboard.attach(input.registry);
  dashboard.setVerdictSource(verdictsOf(input.thresholds, input.registry, input.elapsedMs));
  return dashboard;
}

/** Ends the dashboard with the verdicts that decide the exit code. */
export function finishEngineDashboard(dashboard: Dashboard, finalEval: ThresholdEvaluation | null, registry: MetricRegistry): Promise<void> {
  return dashboard.finish(finalEval ? liveVerdicts(finalEval.results, registry) : []);
}
