import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runJsonSchema } from './run-meta.ts';

describe('run.json schema', () => {
  it('the checked-in schemas/run.schema.json is generated from the zod source (run `npm run schemas`)', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../schemas/run.schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(runJsonSchema());
  });
});
