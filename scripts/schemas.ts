// Writes the JSON Schemas generated from the zod sources into schemas/ (checked in; a test keeps them in sync).
import { writeFileSync } from 'node:fs';
import { FlagError, parseFlags } from '../src/flags/flags.ts';
import { runJsonSchema } from '../src/results/run-meta.ts';

function main(argv: string[]): number {
  let help: boolean;
  try {
    help = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }).values.help ?? false;
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`schemas: ${err.message}\n`);
    return 2;
  }
  if (help) {
    process.stdout.write('Usage: npm run schemas\n\nWrites schemas/run.schema.json (the run.json JSON Schema) from its zod source, src/results/run-meta.ts.\n');
    return 0;
  }
  const file = new URL('../schemas/run.schema.json', import.meta.url);
  writeFileSync(file, `${JSON.stringify(runJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
