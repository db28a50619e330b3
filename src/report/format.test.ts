import { describe, expect, it } from 'vitest';
import { fmtMs, fmtPct, parseFormatted } from './format.ts';

describe('fmtMs', () => {
  it.each([
    [0.628589, '628.6 µs'],
    [0.001713, '1.713 µs'],
    [1.25, '1.250 ms'],
    [15.963592, '15.96 ms'],
    [1234.5, '1235 ms'],
    [12_345, '12.35 s'],
    [0, '0 ms'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('%s → %s (no integer-ms truncation) and parses back', (ms, text) => {
    expect(fmtMs(ms)).toBe(text);
    if (typeof ms === 'number' && Number.isFinite(ms) && ms !== 0) expect(Math.abs(parseFormatted(text) - ms) / ms).toBeLessThan(5e-4);
  });
  it('percentages', () => {
    expect(fmtPct(0.45495495495495497)).toBe('45.50%');
    expect(parseFormatted('45.50%')).toBeCloseTo(0.455, 6);
    expect(fmtPct(0.1, true)).toBe('+10.00%');
  });
});
