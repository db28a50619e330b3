// The arrival-rate executors: iterations start on a fixed schedule (constant, or linear stages),
// whatever the iterations' own duration. A free VU takes each start; without one, a new VU is
// initialised up to maxVUs, and past that the start is dropped and counted in dropped_iterations.
import { formatDuration, sumStages, type ScenarioConfig } from '../options.ts';
import { Executor } from './executor.ts';
import { timeColumn } from './looping-vus.ts';
import type { ExecVU, ScenarioProgress } from './types.ts';

type Constant = Extract<ScenarioConfig, { executor: 'constant-arrival-rate' }>;
type Ramping = Extract<ScenarioConfig, { executor: 'ramping-arrival-rate' }>;
type ArrivalConfig = Constant | Ramping;

/** Start offset (ms) of the k-th iteration (k from 0) at a constant rate per timeUnit. */
export function constantStartMs(k: number, rate: number, timeUnitMs: number): number {
  return (k * timeUnitMs) / rate;
}

/**
 * Start offset (ms) of the k-th iteration when the rate ramps linearly through stages: the moment the
 * integral of the rate reaches k. null when the stages end first.
 */
export function rampingStartMs(k: number, startRate: number, stages: { duration: number; target: number }[], timeUnitMs: number): number | null {
  let r0 = startRate / timeUnitMs;
  let before = 0;
  let offsetMs = 0;
  for (const stage of stages) {
    const r1 = stage.target / timeUnitMs;
    const d = stage.duration;
    const inStage = ((r0 + r1) / 2) * d;
    if (d > 0 && k < before + inStage) {
      const x = k - before;
      let t: number;
      if (Math.abs(r1 - r0) < 1e-15) t = x / r0;
      else {
        const a = (r1 - r0) / (2 * d);
        t = (-r0 + Math.sqrt(r0 * r0 + 4 * a * x)) / (2 * a);
      }
      return offsetMs + t;
    }
    before += inStage;
    offsetMs += d;
    r0 = r1;
  }
  return null;
}

/** Iterations per second (at `atMs` for ramping), for the progress line. */
function ratePerSecondAt(config: ArrivalConfig, atMs: number): number {
  if (config.executor === 'constant-arrival-rate') return (config.rate * 1000) / config.timeUnit;
  let from = config.startRate;
  let t = atMs;
  for (const stage of config.stages) {
    if (t < stage.duration) return ((from + ((stage.target - from) * t) / stage.duration) * 1000) / config.timeUnit;
    t -= stage.duration;
    from = stage.target;
  }
  return (from * 1000) / config.timeUnit;
}

class ArrivalRate<C extends ArrivalConfig> extends Executor<C> {
  private allocated = 0;
  private readonly maxVUs = Math.max(this.config.preAllocatedVUs, this.config.maxVUs ?? this.config.preAllocatedVUs);

  private durationMs(): number {
    return this.config.executor === 'constant-arrival-rate' ? this.config.duration : sumStages(this.config.stages);
  }

  private startMs(k: number): number | null {
    const c = this.config;
    return c.executor === 'constant-arrival-rate' ? constantStartMs(k, c.rate, c.timeUnit) : rampingStartMs(k, c.startRate, c.stages, c.timeUnit);
  }

  protected async execute(): Promise<void> {
    const vus = await this.deps.vus.take(this.config.preAllocatedVUs);
    this.allocated = vus.length;
    const idle: ExecVU[] = [...vus];
    const inflight = new Set<Promise<void>>();
    const totalMs = this.durationMs();
    const t0 = this.startedAtMs ?? this.clock.now();

    const runOn = (vu: ExecVU) => {
      this.active++;
      const p: Promise<void> = this.iterate(vu).then(
        () => undefined,
        () => undefined,
      ).finally(() => {
        this.active--;
        inflight.delete(p);
        if (!this.lost.has(vu)) idle.push(vu);
      });
      inflight.add(p);
    };
    const dispatch = () => {
      const vu = idle.pop();
      if (vu) return runOn(vu);
      if (this.allocated < this.maxVUs) {
        // Initialising a VU takes a while; this start runs on it as soon as it is ready.
        this.allocated++;
        const p: Promise<void> = this.deps.vus.take(1).then(([fresh]) => {
          inflight.delete(p);
          if (!fresh) return;
          vus.push(fresh);
          if (this.stopping) idle.push(fresh);
          else runOn(fresh);
        });
        inflight.add(p);
        return;
      }
      this.emitDropped();
    };
    const schedule = async () => {
      for (let k = 0; !this.stopping; k++) {
        const at = this.startMs(k);
        if (at === null || at >= totalMs) break;
        // Absolute times from the start: a slow iteration or a late timer never shifts later starts.
        const waitMs = t0 + at - this.clock.now();
        if (waitMs > 0) await this.clock.sleep(waitMs, this.soft.signal);
        if (this.stopping) break;
        dispatch();
      }
      while (inflight.size > 0) await Promise.all(inflight);
    };
    await this.drive(schedule(), totalMs, this.config.gracefulStop);
    this.release(vus);
  }

  protected override fraction(): number {
    return this.elapsedMs() / this.durationMs();
  }

  /** VUs initialised for this scenario so far (preAllocatedVUs plus the ones grown since). */
  get allocatedVUs(): number {
    return this.allocated;
  }

  progress(): ScenarioProgress {
    const rate = ratePerSecondAt(this.config, this.done ? this.durationMs() : this.elapsedMs());
    return this.base(`${this.active}/${this.allocated || this.config.preAllocatedVUs} VUs`, timeColumn(this.elapsedMs(), this.durationMs(), this.done), `${rate.toFixed(2)} iters/s`);
  }
}

export class ConstantArrivalRate extends ArrivalRate<Constant> {}
export class RampingArrivalRate extends ArrivalRate<Ramping> {}
