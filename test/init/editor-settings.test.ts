/** `.vscode/settings.json`: merged into when it is plain JSON, left alone (saying what to add) when not, never replaced. */
import { describe, expect, it } from 'vitest';
import { mergeEditorSettings } from '../../src/init/editor-settings.js';
import { yamlQuoted } from '../../src/init/yaml-scalar.js';
import { parse } from 'yaml';

const KEY = './node_modules/guardrails/dist/src/intent/intent.schema.json';

describe('editor settings', () => {
  it('creates the file with the one mapping', () => {
    const r = mergeEditorSettings(undefined, KEY);
    expect(r.kind).toBe('create');
    expect(JSON.parse((r as { text: string }).text)).toEqual({ 'yaml.schemas': { [KEY]: 'guardrails/*.yaml' } });
  });

  it.each([
    ['other settings kept, in order, with their indentation', '{\n    "editor.tabSize": 2,\n    "yaml.schemas": { "kubernetes": "k8s/*.yaml" }\n}\n', { 'editor.tabSize': 2, 'yaml.schemas': { kubernetes: 'k8s/*.yaml', [KEY]: 'guardrails/*.yaml' } }],
    ['a schema mapped to other files keeps them', `{ "yaml.schemas": { "${KEY}": "other/*.yaml" } }`, { 'yaml.schemas': { [KEY]: ['other/*.yaml', 'guardrails/*.yaml'] } }],
    ['a list of globs gains one', `{ "yaml.schemas": { "${KEY}": ["a.yaml"] } }`, { 'yaml.schemas': { [KEY]: ['a.yaml', 'guardrails/*.yaml'] } }],
  ])('merges: %s', (_name, existing, expected) => {
    const r = mergeEditorSettings(existing, KEY);
    expect(r.kind).toBe('merge');
    const text = (r as { text: string }).text;
    expect(JSON.parse(text)).toEqual(expected);
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(expected));
    if (existing.includes('\n    ')) expect(text).toMatch(/^\{\n {4}"editor\.tabSize"/);
  });

  it('leaves a mapping that is there already as it is', () => {
    expect(mergeEditorSettings(`{ "yaml.schemas": { "${KEY}": ["guardrails/*.yaml"] } }`, KEY)).toEqual({ kind: 'unchanged' });
  });

  it.each([
    ['comments', '{\n  // mine\n  "editor.tabSize": 2\n}\n', 'not plain JSON'],
    ['a trailing comma', '{ "editor.tabSize": 2, }', 'not plain JSON'],
    ['a list', '[]', 'not a JSON object'],
    ['yaml.schemas of another type', '{ "yaml.schemas": "x" }', '"yaml.schemas" in it is not an object'],
  ])('leaves a file with %s alone, saying what to add', (_name, existing, reason) => {
    const r = mergeEditorSettings(existing, KEY);
    expect(r).toEqual({ kind: 'left-alone', reason: expect.stringContaining(reason), entry: `"yaml.schemas": { "${KEY}": "guardrails/*.yaml" }` });
  });
});

describe('yamlQuoted', () => {
  it.each(['Root', 'a"b\\c', 'line\nbreak: [x] # c', '\u202eevil\u0007', 'tab\tand \u2028 and 😀', "it's", '{{x}}', '- item'])('%j reads back as itself', (s) => {
    const text = yamlQuoted(s);
    expect(text).toMatch(/^"[\x20-\x7e]*"$/);
    expect(parse(`k: ${text}\n`)).toEqual({ k: s });
  });
});
