// Writes the JSON Schemas generated from the zod sources into schemas/ (checked in; a test keeps them in sync).
import { writeFileSync } from 'node:fs';
import { runJsonSchema } from '../src/results/run-meta.ts';

const file = new URL('../schemas/run.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(runJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
