// Reading command-line flags, the same way for every command: node:util's parseArgs underneath, but every
// mistake reported as one line in our words (the flag, the value, what to do) instead of parseArgs' advice,
// and a value that starts with "-" taken as the value of the flag before it (`--rate -5` is a bad rate, not
// an ambiguous option). Checking what a value means stays with each command; see valueError().
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export class FlagError extends Error {
  override name = 'FlagError';
}

/** The one-line message for a flag whose value is not allowed: `--count "lots": must be an integer in 1..10`. */
export function valueError(flag: string, value: unknown, allowed: string): FlagError {
  return new FlagError(`${flag.startsWith('-') ? flag : `--${flag}`} ${JSON.stringify(typeof value === 'string' ? value : String(value))}: ${allowed}`);
}

export interface ParsedFlags<T extends Options> {
  values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
}

const HELP_HINT = 'run with --help for the flags';

/**
 * Parses argv against `options` (parseArgs' own format). `positionals`: how many operands the command takes
 * (default none; Infinity for a list). Throws FlagError with a one-line message.
 */
export function parseFlags<T extends Options>(argv: readonly string[], options: T, config: { positionals?: number } = {}): ParsedFlags<T> {
  const maxPositionals = config.positionals ?? 0;
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, name);
  const known = (token: string): boolean => {
    if (token.startsWith('--')) return token.slice(2).split('=')[0]! in options;
    return token.length === 2 && byShort.has(token[1]!);
  };

  const args: string[] = [];
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      // Everything after "--" is an operand, as with any POSIX tool.
      const rest = argv.slice(i + 1);
      positionals += rest.length;
      if (positionals > maxPositionals) throw tooMany(rest[0]!, maxPositionals);
      args.push(token, ...rest);
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals++;
      if (positionals > maxPositionals) throw tooMany(token, maxPositionals);
      args.push(token);
      continue;
    }
    const long = token.startsWith('--');
    if (!long && token.length > 2 && options[byShort.get(token[1]!) ?? '']?.type === 'boolean') {
      // Grouped short booleans: -qh = -q -h.
      for (const c of token.slice(1)) {
        const grouped = byShort.get(c);
        if (grouped === undefined || options[grouped]?.type !== 'boolean') throw new FlagError(`-${c} (in ${token}): unknown flag or one that needs a value; ${HELP_HINT}`);
        args.push(`--${grouped}`);
      }
      continue;
    }
    const [rawName, inline] = long ? splitOnce(token.slice(2)) : [token.slice(1, 2), token.length > 2 ? token.slice(2) : undefined];
    const name = long ? rawName : byShort.get(rawName);
    const shown = long ? `--${rawName}` : `-${rawName}`;
    const spec = name === undefined ? undefined : options[name];
    if (!spec || name === undefined) throw new FlagError(`${shown}: unknown flag; ${HELP_HINT}`);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new FlagError(`${shown} takes no value (got ${JSON.stringify(inline)}); ${HELP_HINT}`);
      args.push(`--${name}`);
      continue;
    }
    if (inline !== undefined) {
      // -u5 and -u=5 as parseArgs reads them; --name=value.
      args.push(`--${name}=${long ? inline : inline.replace(/^=/, '')}`);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next === '--' || (next.startsWith('-') && known(next))) {
      throw new FlagError(`${shown} needs a value${next === undefined ? '' : ` (got the flag ${next} next)`}; ${HELP_HINT}`);
    }
    args.push(`--${name}=${next}`);
    i++;
  }
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  return { values: parsed.values as ParsedFlags<T>['values'], positionals: parsed.positionals };
}

function splitOnce(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq === -1 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

function tooMany(token: string, max: number): FlagError {
  if (max === 0) return new FlagError(`unexpected argument ${JSON.stringify(token)}: this command takes flags only; ${HELP_HINT}`);
  return new FlagError(`unexpected argument ${JSON.stringify(token)}: at most ${max} operand${max === 1 ? '' : 's'}; ${HELP_HINT}`);
}
