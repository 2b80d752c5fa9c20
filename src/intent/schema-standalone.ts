/**
 * The source of intent-schema.validator.ts: ajv's standalone code for the intent schema. Compiling the
 * schema at start-up cost every command about 0.15 s (and loading ajv's compiler); the generated
 * validator is the same code ajv would build, written once. Only the up-to-date test and
 * `npm run generate:schema` import this module, so ajv's compiler is not loaded by the CLI.
 */
import { _, Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import schema from './intent.schema.json' with { type: 'json' };
import { FORMATS } from './formats.js';

/** The options the intent is checked with; the generated code embeds their effect. */
export const SCHEMA_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true } as const;

export function schemaValidatorSource(): string {
  // The formats are regular expressions, which ajv writes into the code itself; `formats` is never read.
  const ajv = new Ajv({ ...SCHEMA_OPTIONS, code: { source: true, esm: true, formats: _`formats` } });
  for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, f.test);
  let code = standalone.default(ajv, ajv.compile(schema));
  if (/\bformats\./.test(code.replace(/\bformats\d+\b/g, ''))) throw new Error('a format is not a regular expression: the standalone validator would need them at run time');
  // ajv writes `require(...).default` for its runtime helpers even in ESM output: they become imports.
  // Node's default import of these CommonJS modules is their exports object; vitest's is the function.
  const imports: string[] = [];
  code = code.replace(/require\("([^"]+)"\)\.default/g, (_m: string, spec: string) => {
    const name = `runtime${imports.length}`;
    imports.push(`import ${name} from ${JSON.stringify(spec.endsWith('.js') ? spec : `${spec}.js`)};`);
    return `(${name}.default ?? ${name})`;
  });
  if (code.includes('require(')) throw new Error('the standalone validator requires a module this generator does not import');
  code = code.replace(/^"use strict";/, '');
  return [
    '// @ts-nocheck',
    '// Generated from intent.schema.json by schema-standalone.ts (npm run generate:schema); do not edit.',
    '// test/intent/schema-validator-generated.test.ts fails when it is out of date.',
    ...imports,
    code,
    '',
  ].join('\n');
}
