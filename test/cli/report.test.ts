/** `guardrails report` refuses what it cannot use before writing anything, naming the flag, the file and the line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

let repo: ExampleRepo;

beforeAll(async () => {
  repo = await compiledExampleRepo();
});

describe('guardrails report', () => {
  it('writes the page and says what it holds', async () => {
    const r = await repo.cli(['report', '--org', 'guardrails/org-snapshot.json', '--html', 'report.html', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote report\.html \(\d+(\.\d)? KiB\): 7 OUs, 10 accounts, 9 changed by the change, 4 waves\n$/);
    expect(fs.readFileSync(path.join(repo.dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it.each([
    ['no --html', ['report', '--org', 'guardrails/org-snapshot.json'], 'report needs --html FILE'],
    ['no deployed state', ['report', '--html', 'x.html'], 'report needs the deployed state'],
  ])('refuses %s (exit 2)', async (_what, args, message) => {
    const r = await repo.cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(path.join(repo.dir, 'x.html'))).toBe(false);
  });

  it.each([
    ['a line that is not a record', '{"kind":"run-end","run":"r","at":"2026-11-21T09:00:00Z","result":"done","exitCode":0}\n{"kind":"wave-end","run":"r","at":"2026-11-21T09:00:00Z","wave":"w","result":"fine","calls":1,"ms":1}\n', 'error journal: bad.jsonl:2: "result" must be one of done, skipped, halted, interrupted'],
    ['a missing file', undefined, 'error journal: --journal bad.jsonl:'],
  ])('refuses a journal with %s, naming it (exit 2, nothing written)', async (_what, text, message) => {
    const file = path.join(repo.dir, 'bad.jsonl');
    fs.rmSync(file, { force: true });
    if (text !== undefined) fs.writeFileSync(file, text);
    const r = await repo.cli(['report', '--org', 'guardrails/org-snapshot.json', '--html', 'y.html', '--journal', 'bad.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(path.join(repo.dir, 'y.html'))).toBe(false);
  });
});
