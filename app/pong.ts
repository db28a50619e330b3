// GET /pong: the target of every measured call. Answers at once unless asked otherwise by its
// calibration knobs (delay_ms, status, size), and always says how long it held the request in
// `Server-Timing: hold;dur=<ms>` so a tool's measurement can be compared with the server's own.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The knobs, their bounds and defaults: what app/README.md documents. */
export const PONG_KNOBS = {
  delay_ms: { min: 0, max: 10_000 },
  status: { min: 200, max: 599 },
  size: { min: 0, max: 1024 * 1024 },
} as const;

export interface PongKnobs {
  delayMs: number;
  status: number;
  /** Body size; -1 = the default short body "pong\n". */
  sizeBytes: number;
}

export class KnobError extends Error {
  override name = 'KnobError';
}

/** Parses pong's query string; throws KnobError naming the parameter, the value and the range. */
export function parsePongKnobs(search: URLSearchParams, defaultDelayMs: number): PongKnobs {
  const num = (name: keyof typeof PONG_KNOBS, integer: boolean, fallback: number): number => {
    const all = search.getAll(name);
    // Repeated, the first would win here while ping's size check saw them all: refuse instead.
    if (all.length > 1) throw new KnobError(`${name} is repeated: give it once`);
    const raw = all[0];
    if (raw === undefined) return fallback;
    const { min, max } = PONG_KNOBS[name];
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new KnobError(`${name}=${JSON.stringify(raw)} is invalid: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return v;
  };
  return { delayMs: num('delay_ms', false, defaultDelayMs), status: num('status', true, 200), sizeBytes: num('size', true, -1) };
}

/** Spin (yielding) only for the last stretch: timers are ms-granular and late by up to ~1 ms. */
const SPIN_MS = 1.5;

/**
 * Resolves `delayMs` after `startMs` (performance.now()), sub-millisecond precise: setTimeout for the
 * bulk, then polling the clock via setImmediate. Polling yields between checks, so a held request
 * never blocks the others the way a busy loop would.
 */
export function holdUntil(startMs: number, delayMs: number): Promise<void> {
  if (delayMs <= 0) return Promise.resolve();
  const endMs = startMs + delayMs;
  return new Promise((resolve) => {
    const spin = () => {
      if (performance.now() >= endMs) resolve();
      else setImmediate(spin);
    };
    const bulkMs = endMs - performance.now() - SPIN_MS;
    if (bulkMs >= 1) setTimeout(spin, Math.floor(bulkMs));
    else spin();
  });
}

const bodyCache = new Map<number, Buffer>();
function bodyOf(sizeBytes: number): Buffer {
  let b = bodyCache.get(sizeBytes);
  if (!b) {
    b = Buffer.alloc(sizeBytes, 'x');
    if (bodyCache.size < 64) bodyCache.set(sizeBytes, b);
  }
  return b;
}

const DEFAULT_BODY = Buffer.from('pong\n');

/** Writes pong's answer after the hold; `startMs` is when the handler began (performance.now()). */
export async function answerPong(_req: IncomingMessage, res: ServerResponse, knobs: PongKnobs, startMs: number): Promise<void> {
  await holdUntil(startMs, knobs.delayMs);
  const body = knobs.sizeBytes >= 0 ? bodyOf(knobs.sizeBytes) : DEFAULT_BODY;
  const holdMs = performance.now() - startMs;
  res.writeHead(knobs.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'server-timing': `hold;dur=${holdMs.toFixed(3)}`,
  });
  res.end(body);
}
