/**
 * A custom template comes from a pull request: it may read its values and render JSON, nothing else.
 * It cannot write to the log, define partials, reach prototypes, nest or render without bound; every
 * error it makes is at its line and column in the template file.
 */
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { renderTemplate, TEMPLATE_DEPTH } from '../../src/controls/custom-template.js';
import { LIMITS } from '../../src/files/index.js';
import { compileControls } from '../support/compile.js';

const input = { parameters: { team: 'red', teams: ['red', 'blue'], accounts: Array.from({ length: 300 }, (_, i) => String(i).padStart(12, '0')) }, organization: { id: 'o-abcdefghij' } };

/** Everything a template could write to: the console and the process's own streams. */
let writes: MockInstance[] = [];
beforeEach(() => {
  writes = [
    vi.spyOn(console, 'log').mockImplementation(() => undefined),
    vi.spyOn(console, 'info').mockImplementation(() => undefined),
    vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    vi.spyOn(console, 'error').mockImplementation(() => undefined),
    vi.spyOn(console, 'debug').mockImplementation(() => undefined),
  ];
});
afterEach(() => vi.restoreAllMocks());
const nothingWritten = () => expect(writes.flatMap((w) => w.mock.calls)).toEqual([]);

const failure = (source: string) => {
  const r = renderTemplate(source, input);
  if (r.ok) throw new Error(`rendered: ${r.text.slice(0, 200)}`);
  return `${r.code} at ${r.at.line}:${r.at.col}: ${r.message}`;
};

describe('what a template cannot do', () => {
  it('cannot write to the CI log with {{log}}', () => {
    expect(failure('[\n  {{log "AWS_SECRET_ACCESS_KEY is" parameters.team level="error"}}]')).toBe('template-error at 2:3: {{log}} is not available: a template cannot write to the log');
    expect(failure('{{#if parameters.team}}{{log}}{{/if}}')).toBe('template-error at 1:24: {{log}} is not available: a template cannot write to the log');
    nothingWritten();
  });

  it('cannot define or call partials: an inline partial that calls itself twice would double at every level', () => {
    let bomb = '{{#*inline "p0"}}x{{/inline}}';
    for (let i = 1; i < 40; i++) bomb += `{{#*inline "p${i}"}}{{> p${i - 1}}}{{> p${i - 1}}}{{/inline}}`;
    expect(failure(`${bomb}{{> p39}}`)).toBe('template-error at 1:1: decorators ({{* name}}, {{#* inline}}) are not available in a policy template');
    expect(failure('[\n\n   {{> statements}}]')).toBe('template-error at 3:4: partials ({{> name}}) are not available in a policy template');
    expect(failure('{{#> layout}}x{{/layout}}')).toBe('template-error at 1:1: partials ({{> name}}) are not available in a policy template');
  });

  it('reaches no prototype, and says nothing about trying', () => {
    const r = renderTemplate(
      '{{parameters.constructor}}|{{parameters.__proto__}}|{{lookup parameters "hasOwnProperty"}}|{{#with parameters.constructor}}{{name}}{{/with}}|{{lookup (lookup parameters "constructor") "constructor"}}|{{parameters.teams.map}}|{{#each parameters.toString}}x{{/each}}',
      input,
    );
    expect(r).toEqual({ ok: true, text: '||||||' });
    // Handlebars logs "Access has been denied to resolve the property" unless told what to deny.
    nothingWritten();
  });

  it('calls only json and lookup, and opens only each, if, unless and with', () => {
    expect(failure('[\n  {{helperMissing parameters.team}}]')).toBe('template-error at 2:3: {{helperMissing ...}} is not a helper a template may call; helpers: json, lookup');
    expect(failure('{{json (blockHelperMissing 1)}}')).toBe('template-error at 1:8: (blockHelperMissing ...) is not a helper a template may call; helpers: json, lookup');
    expect(failure('{{#parameters.teams}}x{{/parameters.teams}}')).toBe('template-error at 1:1: {{#parameters.teams}} is not a block a template may use; blocks: #each, #if, #unless, #with');
  });
});

describe('bounds', () => {
  it('refuses nesting past TEMPLATE_DEPTH before parsing it (the parser takes seconds for a few thousand levels)', () => {
    const deep = '{{#if parameters.team}}'.repeat(100_000);
    expect(failure(deep)).toBe(`template-error at 1:${TEMPLATE_DEPTH * 23 + 1}: blocks and sub-expressions nest more than 32 levels deep here`);
    expect(failure(`{{json ${'(lookup '.repeat(100_000)}}}`)).toBe('template-error at 1:264: blocks and sub-expressions nest more than 32 levels deep here');
    const within = `${'{{#if parameters.team}}'.repeat(TEMPLATE_DEPTH)}ok${'{{/if}}'.repeat(TEMPLATE_DEPTH)}`;
    expect(renderTemplate(within, input)).toEqual({ ok: true, text: 'ok' });
  });

  it('stops blocks within blocks over large parameters while rendering, at the block that went over', () => {
    const cube = '[\n{{#each parameters.accounts}}{{#each @root.parameters.accounts}}\n  {{#each @root.parameters.accounts}}"{{this}}",{{/each}}{{/each}}{{/each}}]';
    expect(failure(cube)).toBe('template-too-large at 2:30: rendering this template produces more than 8 MiB along the way (blocks within blocks over large parameters); a template may render 1 MiB');
    // Nothing rendered, still 27 million blocks: each one costs.
    expect(failure('{{#each parameters.accounts}}{{#each @root.parameters.accounts}}{{#each @root.parameters.accounts}}{{/each}}{{/each}}{{/each}}')).toMatch(/^template-too-large at 1:/);
  });

  it('counts every string it reads, even outside any block', () => {
    const big = { ...input, parameters: { long: 'x'.repeat(512 * 1024) } };
    const r = renderTemplate('{{parameters.long}}'.repeat(40), big);
    expect(r).toMatchObject({ ok: false, code: 'template-too-large', at: { line: 1, col: 1 } });
  });

  it(`renders at most ${LIMITS.renderedTemplate / 1024 / 1024} MiB`, () => {
    expect(failure(`{{#each parameters.accounts}}${'y'.repeat(4000)}{{/each}}`)).toBe('template-too-large at 1:1: the template renders 1.1 MiB, over the 1 MiB a template may render');
  });
});

describe('errors say what to fix, where', () => {
  it('{{json x}} of an undefined x names x', () => {
    expect(failure('[{"Effect":"Deny","Action":\n    {{json parameters.actions}},"Resource":"*"}]')).toBe('template-error at 2:5: {{json ...}} writes "parameters.actions", which is not defined');
    expect(failure('{{json}}')).toBe('template-error at 1:1: {{json}} takes one value, not 0');
  });

  it('a lookup in a value that is not a mapping is located in its block', () => {
    expect(failure('[\n{{#each parameters.teams}}\n  "{{this.name}}"{{/each}}]')).toBe('template-error at 2:1: {{...}} looks up "name" in red, which is not a mapping, in the block starting here');
  });

  it('parse errors, mismatched blocks and missing values sit at their line and column', () => {
    expect(failure('[\n  {{#each parameters.teams}}\n  {{/if}}]')).toBe("template-error at 2:6: the template does not parse: each doesn't match if");
    expect(failure('[\n  {{ parameters.team')).toBe("template-error at 2:17: the template does not parse: expecting 'id', got 'invalid'");
    expect(failure('[\n   "{{parameters.tema}}"]')).toBe('template-error at 2:7: {{...}} uses "tema", which is not defined');
  });

  it('in the template file, through compile', async () => {
    const c = await compileControls(`  tpl: { kind: custom, type: scp, template: templates/t.hbs, parameters: { team: red }, attach: [Prod] }\n`, {
      'templates/t.hbs': '[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*",\n  "Condition":{"StringNotEquals":{"aws:PrincipalTag/team":{{json parameters.teams}} }}}]',
    });
    const errors = c.result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} at ${path.relative(c.dir, d.location!.file)}:${d.location!.line}:${d.location!.col}`)).toEqual(['template-error at templates/t.hbs:2:59']);
    expect(errors[0]!.message).toBe('control tpl: template templates/t.hbs: {{json ...}} writes "parameters.teams", which is not defined');
  });
});
