// The `k6/metrics` module: Counter, Gauge, Rate, Trend → the registry, tagged like k6 (iteration tags, group,
// then per-call tags).
import { performance } from 'node:perf_hooks';
import type { MetricContains, MetricKind } from './host.ts';
import type { VuState } from './vu-state.ts';

export function createMetricsModule(vu: VuState): Record<string, unknown> {
  const make = (kind: MetricKind) =>
    class {
      readonly name: string;
      constructor(name: string, isTime?: boolean) {
        if (!vu.inInit) throw new Error(`new ${kindName(kind)}("${name}"): custom metrics can only be created in the init context`);
        const contains: MetricContains = isTime === true && kind !== 'counter' ? 'time' : 'default';
        vu.host.defineMetric(String(name), kind, contains);
        this.name = String(name);
      }
      add(value: unknown, tags?: Record<string, unknown>): boolean {
        if (vu.inInit) throw new Error(`${this.name}.add(): metrics can only be added to from a VU function, not the init context`);
        const v = kind === 'rate' ? (value ? 1 : 0) : typeof value === 'boolean' ? Number(value) : Number(value);
        if (!Number.isFinite(v)) {
          vu.host.log('warning', `${this.name}.add(${String(value)}): not a number, sample ignored`);
          return false;
        }
        vu.host.emit(this.name, v, vu.sampleTags(tags), performance.timeOrigin + performance.now());
        return true;
      }
    };
  const mod = { Counter: make('counter'), Gauge: make('gauge'), Rate: make('rate'), Trend: make('trend') };
  return { ...mod, default: mod };
}

function kindName(kind: MetricKind): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}
