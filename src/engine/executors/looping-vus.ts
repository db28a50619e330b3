// The looping-VU executors: constant-vus (N VUs loop for a duration) and ramping-vus (the number of
// looping VUs follows linear stages; VUs taken away finish their iteration within gracefulRampDown).
import { formatDuration, sumStages, type ScenarioConfig } from '../options.ts';
import { Executor } from './executor.ts';
import type { ExecVU, ScenarioProgress } from './types.ts';

type Constant = Extract<ScenarioConfig, { executor: 'constant-vus' }>;
type Ramping = Extract<ScenarioConfig, { executor: 'ramping-vus' }>;

/** How k6 draws a duration-bound scenario's time column: "1.0s/2s", and only "2s" once done. */
export function timeColumn(elapsedMs: number, totalMs: number, done: boolean): string {
  if (done) return formatDuration(totalMs);
  return `${(Math.min(elapsedMs, totalMs) / 1000).toFixed(1)}s/${formatDuration(totalMs)}`;
}

export class ConstantVus extends Executor<Constant> {
  protected async execute(): Promise<void> {
    const vus = await this.deps.vus.take(this.config.vus);
    const loop = async (vu: ExecVU) => {
      this.active++;
      try {
        if (!(await this.loopOn(vu, Infinity, 0, this.config.duration))) while (!this.stopping) await this.iterate(vu);
      } finally {
        this.active--;
      }
    };
    await this.drive(Promise.all(vus.map(loop)), this.config.duration, this.config.gracefulStop);
    this.release(vus);
  }

  protected override fraction(): number {
    return this.elapsedMs() / this.config.duration;
  }

  progress(): ScenarioProgress {
    return this.base(`${this.config.vus} VUs`, timeColumn(this.elapsedMs(), this.config.duration, this.done), '');
  }
}

/** Looping VUs wanted at `atMs` into the stages: linear within a stage, reaching each target at its end. */
export function rampingVUsAt(startVUs: number, stages: { duration: number; target: number }[], atMs: number): number {
  let from = startVUs;
  let t = atMs;
  for (const stage of stages) {
    if (t < stage.duration) {
      const exact = from + ((stage.target - from) * t) / stage.duration;
      return stage.target >= from ? Math.floor(exact) : Math.ceil(exact);
    }
    t -= stage.duration;
    from = stage.target;
  }
  return from;
}

/** How often ramping-vus re-reads its stages: VU counts change at most this late. */
const RAMP_TICK_MS = 20;

export class RampingVus extends Executor<Ramping> {
  private wanted = 0;
  private readonly maxVUs = Math.max(this.config.startVUs, ...this.config.stages.map((s) => s.target));

  protected async execute(): Promise<void> {
    const vus = await this.deps.vus.take(this.maxVUs);
    const totalMs = sumStages(this.config.stages);
    const loops: (Promise<void> | undefined)[] = vus.map(() => undefined);
    const rampDown: (AbortController | undefined)[] = vus.map(() => undefined);

    const loop = async (slot: number, vu: ExecVU, cut: AbortController) => {
      // The VU's stop signal for this activation: its gracefulRampDown ran out, or the whole scenario stops.
      const onHard = () => cut.abort();
      this.hard.signal.addEventListener('abort', onHard);
      const onCut = () => this.cutOff(vu);
      cut.signal.addEventListener('abort', onCut);
      this.active++;
      try {
        while (!this.stopping && slot < this.wanted && !cut.signal.aborted) await this.iterate(vu, cut.signal);
      } finally {
        this.active--;
        this.hard.signal.removeEventListener('abort', onHard);
        cut.signal.removeEventListener('abort', onCut);
        // Ends a pending gracefulRampDown timer: nothing is left to cut off.
        cut.abort();
      }
    };
    const controller = async () => {
      while (!this.stopping) {
        const atMs = this.clock.now() - (this.startedAtMs ?? 0);
        this.wanted = rampingVUsAt(this.config.startVUs, this.config.stages, atMs);
        for (let slot = 0; slot < vus.length; slot++) {
          const vu = vus[slot];
          if (!vu) continue;
          if (slot < this.wanted && rampDown[slot] === undefined) {
            const cut = new AbortController();
            rampDown[slot] = cut;
            loops[slot] = (loops[slot] ?? Promise.resolve()).then(() => loop(slot, vu, cut));
          } else if (slot >= this.wanted && rampDown[slot] !== undefined) {
            // Taken away: the loop ends after this iteration, which gets gracefulRampDown to finish.
            const cut = rampDown[slot];
            rampDown[slot] = undefined;
            const grace = this.clock.sleep(this.config.gracefulRampDown, cut?.signal);
            void grace.then(() => cut?.abort());
          }
        }
        if (atMs >= totalMs) break;
        await this.clock.sleep(RAMP_TICK_MS, this.soft.signal);
      }
      this.wanted = this.stopping ? 0 : this.wanted;
      await Promise.all(loops);
    };
    await this.drive(controller(), totalMs, this.config.gracefulStop);
    for (const cut of rampDown) cut?.abort();
    this.release(vus);
  }

  protected override fraction(): number {
    return this.elapsedMs() / sumStages(this.config.stages);
  }

  progress(): ScenarioProgress {
    const width = String(this.maxVUs).length;
    return this.base(
      `${String(this.active).padStart(width, '0')}/${this.maxVUs} VUs`,
      timeColumn(this.elapsedMs(), sumStages(this.config.stages), this.done),
      '',
    );
  }
}
