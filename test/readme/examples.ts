// The README's `npm run` examples, as a test reads them: every `npm run …` (and `npm test`) in a code block
// line or an inline code span, split into words as a POSIX shell would, with the script resolved through
// package.json to the file and leading arguments it runs. Schematic names (`scenario:<platform>`,
// `scenario:*`, `npm run …`) are kept apart: they stand for other examples, not for a command.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Example {
  /** As written in the README (whitespace collapsed). */
  text: string;
  line: number;
  /** npm flags before the script name (--silent). */
  npmFlags: string[];
  script: string;
  /** Arguments after `--`. */
  args: string[];
  /** From package.json: what npm runs, e.g. { file: 'scripts/scenario.ts', lead: ['local'] } for tsx scripts. */
  target: { file: string; lead: string[] } | { command: string } | null;
  schematic: boolean;
  /** In a fenced code block (a command line), not an inline mention. */
  fromCodeBlock: boolean;
}

/** Splits a command line into words: '…' literal, "…" literal (no expansion needed here), \ escapes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end === -1) throw new Error(`unterminated ${c} in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** Index of the first unquoted position where `test` holds (given the rest of the text and the character before). */
function unquoted(text: string, test: (rest: string, prev: string) => boolean): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (test(text.slice(i), text[i - 1] ?? ' ')) return i;
  }
  return -1;
}

/** A code line without its comment (an unquoted # after a space). */
function withoutComment(line: string): string {
  const at = unquoted(line, (rest, prev) => rest.startsWith('#') && /\s/.test(prev));
  return at === -1 ? line : line.slice(0, at);
}

/** The command up to the next one (&&, ;, |) or a redirection (` > FILE`, a trailing `&`). */
function commandPart(text: string): string {
  const at = unquoted(text, (rest, prev) => /^(&&|;|\|)/.test(rest) || (/\s/.test(prev) && /^(2?>>?\s|&(\s|$))/.test(rest)));
  return (at === -1 ? text : text.slice(0, at)).trim();
}

const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

function target(script: string): Example['target'] {
  const command = scripts[script];
  if (command === undefined) return null;
  const words = shellWords(command);
  if (words[0] === 'exec') words.shift();
  if (words[0] === 'tsx' && words[1]) return { file: words[1], lead: words.slice(2) };
  return { command };
}

function example(raw: string, line: number, fromCodeBlock: boolean): Example {
  const text = raw.replace(/\s+/g, ' ').trim();
  const words = shellWords(commandPart(text));
  // words: npm run [npm flags] script [-- args] | npm test [-- args]
  let i = 1;
  let script: string;
  const npmFlags: string[] = [];
  if (words[1] === 'test') {
    script = 'test';
    i = 2;
  } else {
    i = 2;
    while (words[i]?.startsWith('-')) npmFlags.push(words[i++]!);
    script = words[i++] ?? '';
  }
  const rest = words.slice(i);
  const args = rest[0] === '--' ? rest.slice(1) : rest;
  const schematic = /[<>*…]/.test(script) || script === '';
  return { text, line, npmFlags, script, args, target: schematic ? null : target(script), schematic, fromCodeBlock };
}

/** Every `npm run` / `npm test` example of the README, in order. */
export function readmeExamples(file = path.join(ROOT, 'README.md')): Example[] {
  const source = readFileSync(file, 'utf8');
  const lines = source.split('\n');
  const found: Example[] = [];
  let fenced = false;
  lines.forEach((text, index) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) return;
    const code = withoutComment(text);
    for (const m of code.matchAll(/npm (?:run|test)\b/g)) found.push(example(code.slice(m.index), index + 1, true));
  });
  // Inline code spans (outside fences), which may wrap across a line break.
  const outside = lines.map((l, i) => ({ l, i }));
  let inFence = false;
  const prose: string[] = [];
  for (const { l } of outside) {
    if (/^\s*```/.test(l)) {
      inFence = !inFence;
      prose.push('');
      continue;
    }
    prose.push(inFence ? '' : l);
  }
  const text = prose.join('\n');
  for (const m of text.matchAll(/`(npm (?:run|test)\b[^`]*)`/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    found.push(example(m[1]!, line, false));
  }
  return found.sort((a, b) => a.line - b.line);
}
