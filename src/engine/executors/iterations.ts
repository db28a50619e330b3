// The iteration-count executors: shared-iterations (VUs pull from one shared count, so the total is
// exact) and per-vu-iterations (each VU runs its own count). Both end at maxDuration at the latest.
import type { ScenarioConfig } from '../options.ts';
import { Executor, formatClock } from './executor.ts';
import type { ExecVU, ScenarioProgress } from './types.ts';
import { formatDuration } from '../options.ts';

type Shared = Extract<ScenarioConfig, { executor: 'shared-iterations' }>;
type PerVu = Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>;

export class SharedIterations extends Executor<Shared> {
  private started = 0;

  protected async execute(): Promise<void> {
    const vus = await this.deps.vus.take(this.config.vus);
    new Int32Array(this.counter)[1] = this.config.iterations;
    const loop = async (vu: ExecVU) => {
      this.active++;
      try {
        // VUs that loop by themselves pull from the shared counter (its limit is the shared count).
        if (await this.loopOn(vu, Infinity, this.config.iterations, 0)) return;
        while (!this.stopping && this.started < this.config.iterations) {
          this.started++;
          await this.iterate(vu);
        }
      } finally {
        this.active--;
      }
    };
    await this.drive(Promise.all(vus.map(loop)), this.config.maxDuration, this.config.gracefulStop);
    this.release(vus);
    // k6 counts what maxDuration left unstarted as dropped_iterations.
    if (!this.stoppedFromOutside()) this.emitDropped(this.config.iterations - this.started - this.counterStarted());
  }

  protected override fraction(): number {
    return (this.completed + this.interrupted) / this.config.iterations;
  }

  progress(): ScenarioProgress {
    return this.base(
      `${this.config.vus} VUs`,
      `${formatClock(this.elapsedMs())}/${formatDuration(this.config.maxDuration)}`,
      `${this.completed + this.interrupted}/${this.config.iterations} shared iters`,
    );
  }
}

export class PerVuIterations extends Executor<PerVu> {
  protected async execute(): Promise<void> {
    const vus = await this.deps.vus.take(this.config.vus);
    let started = 0;
    const loop = async (vu: ExecVU) => {
      this.active++;
      try {
        if (await this.loopOn(vu, this.config.iterations, this.config.iterations * this.config.vus, 0)) return;
        for (let i = 0; i < this.config.iterations && !this.stopping; i++) {
          started++;
          await this.iterate(vu);
        }
      } finally {
        this.active--;
      }
    };
    await this.drive(Promise.all(vus.map(loop)), this.config.maxDuration, this.config.gracefulStop);
    this.release(vus);
    if (!this.stoppedFromOutside()) this.emitDropped(this.config.iterations * this.config.vus - started - this.counterStarted());
  }

  protected override fraction(): number {
    return (this.completed + this.interrupted) / (this.config.iterations * this.config.vus);
  }

  progress(): ScenarioProgress {
    const total = this.config.iterations * this.config.vus;
    return this.base(
      `${this.config.vus} VUs`,
      `${formatClock(this.elapsedMs())}/${formatDuration(this.config.maxDuration)}`,
      `${this.completed + this.interrupted}/${total} iters, ${this.config.iterations} per VU`,
    );
  }
}
