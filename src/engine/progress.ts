// What the engine prints while it runs: the banner with k6's execution/scenarios lines, and the
// progress block ("running (00m01.0s), 00/06 VUs, …" + one line per scenario), redrawn live on a
// terminal and printed periodically otherwise (every 1 s for the first 10 s, then every 10 s).
import { formatDuration, scenarioMaxDurationMs, scenarioVUs, sumStages, type ScenarioConfig } from './options.ts';
import { formatClock } from './executors/executor.ts';
import type { ScenarioProgress } from './executors/types.ts';

export interface BannerInput {
  version: string;
  /** The script path as the user gave it. */
  scriptPath: string;
  /** e.g. ["json (out.ndjson)"]; empty → "-". */
  outputs: string[];
  scenarios: ScenarioConfig[];
  /** The web dashboard's URL, or "export only (…)"; null/absent when it is off (k6 prints the same line). */
  dashboard?: string | null;
}

/** k6 orders scenarios by start time, then name. */
export function orderScenarios<T extends { name: string; startTime?: number }>(scenarios: T[]): T[] {
  return [...scenarios].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0) || a.name.localeCompare(b.name));
}

function describeScenario(sc: ScenarioConfig): string {
  const extras: string[] = [];
  if (sc.startTime > 0) extras.push(`startTime: ${formatDuration(sc.startTime)}`);
  let what: string;
  switch (sc.executor) {
    case 'shared-iterations':
      what = `${sc.iterations} iterations shared among ${sc.vus} VUs`;
      extras.push(`maxDuration: ${formatDuration(sc.maxDuration)}`);
      break;
    case 'per-vu-iterations':
      what = `${sc.iterations} iterations for each of ${sc.vus} VUs`;
      extras.push(`maxDuration: ${formatDuration(sc.maxDuration)}`);
      break;
    case 'constant-vus':
      what = `${sc.vus} looping VUs for ${formatDuration(sc.duration)}`;
      break;
    case 'ramping-vus':
      what = `Up to ${scenarioVUs(sc).max} looping VUs for ${formatDuration(sumStages(sc.stages))} over ${sc.stages.length} stages`;
      extras.push(`gracefulRampDown: ${formatDuration(sc.gracefulRampDown)}`);
      break;
    case 'constant-arrival-rate':
      what = `${((sc.rate * 1000) / sc.timeUnit).toFixed(2)} iterations/s for ${formatDuration(sc.duration)}`;
      extras.push(`maxVUs: ${sc.preAllocatedVUs}-${scenarioVUs(sc).max}`);
      break;
    case 'ramping-arrival-rate': {
      const peak = Math.max(sc.startRate, ...sc.stages.map((s) => s.target));
      what = `Up to ${((peak * 1000) / sc.timeUnit).toFixed(2)} iterations/s for ${formatDuration(sumStages(sc.stages))} over ${sc.stages.length} stages`;
      extras.push(`maxVUs: ${sc.preAllocatedVUs}-${scenarioVUs(sc).max}`);
      break;
    }
  }
  if (sc.exec !== 'default') extras.push(`exec: ${sc.exec}`);
  extras.push(`gracefulStop: ${formatDuration(sc.gracefulStop)}`);
  return `${sc.name}: ${what} (${extras.join(', ')})`;
}

/** The banner and k6's execution/scenarios description, ending with the blank lines k6 leaves. */
export function renderBanner(input: BannerInput): string {
  const scenarios = orderScenarios(input.scenarios);
  const maxVUs = scenarios.reduce((a, sc) => a + scenarioVUs(sc).max, 0);
  const maxDuration = Math.max(...scenarios.map(scenarioMaxDurationMs));
  const count = scenarios.length === 1 ? '1 scenario' : `${scenarios.length} scenarios`;
  const lines = [
    '',
    `  s2s embedded engine (k6-compatible) v${input.version}`,
    '',
    '     execution: local',
    `        script: ${input.scriptPath}`,
    ...(input.dashboard ? [` web dashboard: ${input.dashboard}`] : []),
    `        output: ${input.outputs.length > 0 ? input.outputs.join(', ') : '-'}`,
    '',
    `     scenarios: (100.00%) ${count}, ${maxVUs} max VUs, ${formatDuration(maxDuration)} max duration (incl. graceful stop):`,
    ...scenarios.map((sc) => `              * ${describeScenario(sc)}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

export interface ProgressState {
  elapsedMs: number;
  activeVUs: number;
  maxVUs: number;
  scenarios: ScenarioProgress[];
}

const BAR_WIDTH = 40;

/** One progress block: the "running (…)" line and a line per scenario, aligned like k6's. */
export function renderProgress(state: ProgressState, opts: { tty: boolean }): string[] {
  const completed = state.scenarios.reduce((a, s) => a + s.completed, 0);
  const interrupted = state.scenarios.reduce((a, s) => a + s.interrupted, 0);
  const width = Math.max(2, String(state.maxVUs).length);
  const head = `running (${formatClock(state.elapsedMs)}), ${String(state.activeVUs).padStart(width, '0')}/${String(state.maxVUs).padStart(width, '0')} VUs, ${completed} complete and ${interrupted} interrupted iterations`;
  const rows = orderScenarios(state.scenarios);
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 0);
  const vusWidth = Math.max(...rows.map((r) => r.vusText.length), 0);
  const timeWidth = Math.max(...rows.map((r) => r.timeText.length), 0);
  const lines = rows.map((r) => {
    const pct = Math.floor(Math.min(1, Math.max(0, r.progress)) * 100);
    let bar: string;
    if (opts.tty) {
      const filled = Math.round((pct / 100) * BAR_WIDTH);
      bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (pct >= 100 ? '=' : '>') : ''}${'-'.repeat(BAR_WIDTH - filled)}]`;
    } else bar = `[ ${String(pct).padStart(3)}% ]`;
    const right = r.rightText ? `  ${r.rightText}` : '';
    return `${r.name.padEnd(nameWidth)} ${r.done ? '✓' : ' '} ${bar} ${r.vusText.padEnd(vusWidth)}  ${r.timeText.padEnd(timeWidth)}${right}`.trimEnd();
  });
  return [head, ...lines];
}

/** When the plain (non-TTY) reporter prints: every 1 s for the first 10 s, then every 10 s. */
export function plainDue(elapsedMs: number, lastPrintedMs: number | null): boolean {
  const step = elapsedMs < 10_000 ? 1000 : 10_000;
  const slot = Math.floor(elapsedMs / step) * step;
  return slot > 0 && (lastPrintedMs === null || slot > lastPrintedMs);
}

export interface TextSink {
  write(text: string): unknown;
}

/** Prints progress blocks while a run goes on; `stop()` prints the final block. */
export class ProgressReporter {
  private timer: NodeJS.Timeout | null = null;
  private drawnLines = 0;
  private lastPrintedMs: number | null = null;

  constructor(
    private readonly out: TextSink,
    private readonly tty: boolean,
    private readonly state: () => ProgressState,
  ) {}

  start(): void {
    const tickMs = this.tty ? 200 : 100;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Writes `text` (a log line) without tearing the live block on a terminal. */
  interject(text: string, to: TextSink): void {
    if (!this.tty || this.drawnLines === 0) {
      to.write(text);
      return;
    }
    this.clear();
    to.write(text);
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) {
      this.clear();
      this.draw();
      this.drawnLines = 0;
    } else this.print();
  }

  private tick(): void {
    if (this.tty) {
      this.clear();
      this.draw();
      return;
    }
    const s = this.state();
    if (plainDue(s.elapsedMs, this.lastPrintedMs)) {
      this.lastPrintedMs = Math.floor(s.elapsedMs / (s.elapsedMs < 10_000 ? 1000 : 10_000)) * (s.elapsedMs < 10_000 ? 1000 : 10_000);
      this.print(s);
    }
  }

  private print(s = this.state()): void {
    this.out.write(`\n${renderProgress(s, { tty: false }).join('\n')}\n`);
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    const lines = renderProgress(this.state(), { tty: true });
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}
