// The VU pool shared by all scenarios: VUs are initialised once (init context per VU, like k6) and
// handed from scenario to scenario; arrival-rate executors grow it up to their maxVUs.
import type { ExecVU, VuSource } from './types.ts';

export class VuPool implements VuSource {
  private readonly idle: ExecVU[] = [];
  private created = 0;

  /** `create` initialises one VU (ids from 1, as __VU). */
  constructor(private readonly create: (idInInstance: number, idInTest: number) => Promise<ExecVU>) {}

  /** Initialises VUs up front so the first iterations do not pay for it (k6 does this before setup). */
  async preallocate(n: number): Promise<void> {
    const fresh = await this.createMany(Math.max(0, n - this.created));
    this.idle.push(...fresh);
  }

  async take(n: number): Promise<ExecVU[]> {
    const out = this.idle.splice(0, n);
    if (out.length < n) out.push(...(await this.createMany(n - out.length)));
    return out;
  }

  give(vus: ExecVU[]): void {
    this.idle.push(...vus);
  }

  size(): number {
    return this.created;
  }

  private createMany(n: number): Promise<ExecVU[]> {
    const ids = Array.from({ length: n }, () => ++this.created);
    return Promise.all(ids.map((id) => this.create(id, id)));
  }
}
