import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags, valueError } from './flags.ts';

const OPTIONS = {
  rate: { type: 'string', default: '100' },
  threshold: { type: 'string', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  vus: { type: 'string', short: 'u' },
  help: { type: 'boolean', short: 'h' },
} as const;

describe('parseFlags', () => {
  it('reads long and short flags, = and space forms, repeats, defaults and operands', () => {
    const r = parseFlags(['a', '--rate', '5', '--threshold=x<1', '--threshold', 'y<2', '-qv', '-u', '3', 'b'], OPTIONS, { positionals: 2 });
    expect(r.values).toEqual({ rate: '5', threshold: ['x<1', 'y<2'], quiet: true, verbose: true, vus: '3' });
    expect(r.positionals).toEqual(['a', 'b']);
    expect(parseFlags([], OPTIONS).values.rate).toBe('100');
    expect(parseFlags(['-u5'], OPTIONS).values.vus).toBe('5');
  });

  it('takes a value that starts with "-" as the value of the flag before it', () => {
    expect(parseFlags(['--rate', '-5'], OPTIONS).values.rate).toBe('-5');
    expect(parseFlags(['--rate=-5'], OPTIONS).values.rate).toBe('-5');
  });

  it('everything after -- is an operand', () => {
    expect(parseFlags(['--', '--rate'], OPTIONS, { positionals: 1 }).positionals).toEqual(['--rate']);
  });

  it.each([
    [['--bogus'], '--bogus: unknown flag; run with --help for the flags'],
    [['-x'], '-x: unknown flag; run with --help for the flags'],
    [['-qx'], '-x (in -qx): unknown flag or one that needs a value; run with --help for the flags'],
    [['--rate'], '--rate needs a value; run with --help for the flags'],
    [['--rate', '--quiet'], '--rate needs a value (got the flag --quiet next); run with --help for the flags'],
    [['--quiet=yes'], '--quiet takes no value (got "yes"); run with --help for the flags'],
    [['extra'], 'unexpected argument "extra": this command takes flags only; run with --help for the flags'],
  ])('%j → one line in our words: %s', (argv, message) => {
    let error: unknown;
    try {
      parseFlags(argv, OPTIONS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlagError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('a second operand past the limit names the limit', () => {
    expect(() => parseFlags(['a', 'b'], OPTIONS, { positionals: 1 })).toThrow('unexpected argument "b": at most 1 operand; run with --help for the flags');
  });

  it('valueError names the flag, the value and what is allowed', () => {
    expect(valueError('rate', '-5', 'must be a number in 0.001..100000').message).toBe('--rate "-5": must be a number in 0.001..100000');
    expect(valueError('-u', 7, 'must be positive').message).toBe('-u "7": must be positive');
  });
});
