/**
 * YAML loading is linear in the document, aliases included: an alias is resolved by a table built in
 * one pass, never by the library's Alias.resolve (which walks the whole document for each alias), and
 * expanding one costs what it adds. The work is counted, not timed: every node the loader looks at goes
 * through one of the library's type guards, so their calls measure the loader's walk.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as yaml from 'yaml';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { loadYaml } from '../../src/intent/yaml-loader.js';

const calls = { guards: 0 };
vi.mock('yaml', async (importOriginal) => {
  const original = await importOriginal<typeof import('yaml')>();
  const counted = <F extends (...args: never[]) => unknown>(f: F): F => ((...args: Parameters<F>) => (calls.guards++, f(...args))) as F;
  return { ...original, isAlias: counted(original.isAlias), isMap: counted(original.isMap), isSeq: counted(original.isSeq), isScalar: counted(original.isScalar), isPair: counted(original.isPair) };
});

/** Ten anchored requests, then `aliases` tests that each use one, as `*reqK` or merged with `<<: *reqK`. */
function aliasedTests(aliases: number): string {
  const lines = ['version: 1', 'tests:'];
  for (let k = 0; k < 10; k++) lines.push(`  - name: base-${k}`, `    request: &req${k} { principal: "arn:aws:iam::111111111111:role/r${k}", action: s3:GetObject, resource: "arn:aws:s3:::b${k}/k", context: { "aws:SecureTransport": true } }`, '    expect: deny');
  for (let i = 0; i < aliases; i++) lines.push(`  - name: t-${i}`, i % 2 ? `    request: *req${i % 10}` : `    request: { <<: *req${i % 10}, resourceAccount: "222222222222" }`, '    expect: deny');
  return lines.join('\n') + '\n';
}

async function work(text: string): Promise<{ guards: number; resolves: number; value: unknown; sources: SourceIndex }> {
  const resolve = vi.spyOn(yaml.Alias.prototype, 'resolve');
  const sources = new SourceIndex();
  calls.guards = 0;
  const loaded = await loadYaml('tests.yaml', text, sources);
  const result = { guards: calls.guards, resolves: resolve.mock.calls.length, value: loaded.documents[0]?.value, sources };
  expect(loaded.diagnostics).toEqual([]);
  return result;
}

afterEach(() => vi.restoreAllMocks());

describe('YAML loading with aliases', () => {
  it('does four times the work for four times the aliases, and never asks the library to resolve one', async () => {
    const n = await work(aliasedTests(500));
    const n4 = await work(aliasedTests(2000));
    expect(n.resolves).toBe(0);
    expect(n4.resolves).toBe(0);
    expect(n.guards).toBeGreaterThan(0);
    const ratio = n4.guards / n.guards;
    expect(ratio).toBeGreaterThan(3.6);
    expect(ratio).toBeLessThan(4.4);
  });

  it('gives each alias its own copy, located where the anchored value is written', async () => {
    const { value, sources } = await work(aliasedTests(4));
    const tests = (value as { tests: { request: Record<string, unknown> }[] }).tests;
    const anchored = tests[1]!.request;
    const aliased = tests[11]!.request; // t-1: request: *req1
    const merged = tests[10]!.request; // t-0: { <<: *req0, resourceAccount }
    expect(aliased).toEqual(anchored);
    expect(aliased).not.toBe(anchored);
    expect(sources.locate(aliased, 'action')).toEqual(sources.locate(anchored, 'action'));
    expect(sources.locate(aliased, 'action')).toMatchObject({ line: 7 });
    expect(merged).toMatchObject({ action: 's3:GetObject', resourceAccount: '222222222222' });
  });
});
