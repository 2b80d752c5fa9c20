import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaValidatorSource } from '../../src/intent/schema-standalone.js';

const GENERATED = fileURLToPath(new URL('../../src/intent/intent-schema.validator.ts', import.meta.url));

describe('the generated intent-schema validator', () => {
  // The CLI checks intent files with code ajv generated from intent.schema.json; a schema changed
  // without regenerating it would be checked against the old one.
  it('is what ajv generates from intent.schema.json today', () => {
    const expected = schemaValidatorSource();
    if (process.env.GUARDRAILS_UPDATE_GENERATED === '1') writeFileSync(GENERATED, expected);
    expect(readFileSync(GENERATED, 'utf8') === expected, 'src/intent/intent-schema.validator.ts is out of date: run npm run generate:schema').toBe(true);
  });
});
