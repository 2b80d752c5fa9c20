/** Tables fit a terminal's width (the widest columns give way first) and are cut nowhere else. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inertWriter } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { renderTable, MIN_COLUMN } from '../../src/report/table.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

const header = ['policy', 'type', 'targets'];
const rows = [
  ['guardrails-scp-protect-security-services+stay-in-organization', 'SCP', 'Root'],
  ['guardrails-rcp-tls-minimum', 'RCP', 'Security, Workloads, GenAI, Sandbox, PublicData, Prod, NonProd'],
];

describe('renderTable', () => {
  it('pads columns to their widest cell without a width, cutting nothing', () => {
    const lines = renderTable(header, rows);
    expect(lines[0]).toBe(`${'policy'.padEnd(rows[0]![0]!.length)}  type  targets`);
    expect(lines[2]).toBe('guardrails-scp-protect-security-services+stay-in-organization  SCP   Root');
    expect(lines[3]).toContain('Security, Workloads, GenAI, Sandbox, PublicData, Prod, NonProd');
  });

  it.each([100, 80, 60, 40])('fits %i columns, narrowing the widest columns first and marking each cut', (width) => {
    const lines = renderTable(header, rows, width);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
    expect(lines[2]).toMatch(/^guardrails-\S*\.\.\. +SCP +Root$/);
    // The narrow column keeps its width.
    expect(lines[0]).toMatch(/ {2}type {2}targets$/);
  });

  it('stops at each column floor: a line wraps rather than lose a column', () => {
    const lines = renderTable(header, rows, 10);
    expect(lines[2]).toBe(`${'guard...'.padEnd(MIN_COLUMN)}  SCP   Root`);
    expect(lines[2]!.length).toBeGreaterThan(10);
  });
});

describe('the commands on a terminal', () => {
  let repo: ExampleRepo;
  beforeAll(async () => {
    repo = await compiledExampleRepo();
  });

  async function run(args: string[], stdout: { isTTY: boolean; columns?: number }): Promise<string> {
    let out = '';
    await main([...args, '--cache', repo.cache], { stdout: { ...stdout, write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {}, cwd: repo.dir });
    return out;
  }

  it('compile and simulate fit the table to the terminal, and print it whole to a pipe', async () => {
    for (const args of [['compile'], ['simulate', '--all']]) {
      const piped = await run(args, { isTTY: false, columns: 80 });
      expect(Math.max(...piped.split('\n').map((l) => l.length))).toBeGreaterThan(80);
      const tty = await run(args, { isTTY: true, columns: 80 });
      const tableLines = tty.split('\n\n')[0]!.split('\n');
      for (const line of tableLines) expect(line.length, line).toBeLessThanOrEqual(80);
      expect(tableLines.length).toBe(piped.split('\n\n')[0]!.split('\n').length);
    }
  });

  it('simulate shows FAIL in red where colour shows, and only the word', async () => {
    const dir = path.join(path.dirname(repo.dir), 'tls');
    fs.cpSync(repo.dir, dir, { recursive: true });
    const file = path.join(dir, 'guardrails', 'data-perimeter.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('minVersion: "1.2"', 'minVersion: "1.0"'));
    const written: string[] = [];
    const stream = { isTTY: true, columns: 200, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const code = await main(['simulate', '--cache', repo.cache], { stdout: inertWriter(stream, { colour: true }), stderr: { write: () => true }, env: {}, cwd: dir });
    expect(code).toBe(1);
    const out = written.join('');
    expect(out).toMatch(/\n\u001b\[31mFAIL\u001b\[39m +S3 over TLS 1\.1 is denied /);
    expect(out.match(/\u001b\[/g)).toHaveLength(2);
  });
});
