/**
 * GitHub Actions: each diagnostic printed is also an annotation (`::error file=,line=,col=,title=::`),
 * escaped as the runner unescapes, and nothing else guardrails prints can act as a workflow command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inertWriter, workflowCommandNeutralizer, type CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { inertText } from '../../src/diagnostics/index.js';
import { githubAnnotation } from '../../src/report/github-annotations.js';
import { runCli, TEST_NOW } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { HOSTILE, WORKFLOW_COMMANDS } from '../report/hostile-inputs.js';

const GITHUB = { CI: 'true', GITHUB_ACTIONS: 'true' };

/** A line as the runner parses it (actions/runner ActionCommand.TryParseV2), or undefined when it is no command. */
function parseCommand(line: string): { command: string; properties: Record<string, string>; data: string } | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).trim().split(',').filter(Boolean)) {
      const [k, v] = pair.split(/=(.*)/s) as [string, string | undefined];
      if (v !== undefined) properties[k] = v.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
    }
  }
  const data = text.slice(end + 2).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  return { command, properties, data };
}

/** Whether the runner would take a line for a command in its older form (`##[name]` anywhere in it). */
const legacyCommand = (line: string) => /##(vso)?\[/i.test(line);

describe('an annotation', () => {
  it('carries a hostile message and hostile property values through the runner intact, as one command', () => {
    const message = `control x${HOSTILE} 100% done\r\n::stop-commands::pwned, a: b\nhint: ${WORKFLOW_COMMANDS}`;
    const line = githubAnnotation({ level: 'error', title: 'bad,code:x', message, file: 'guardrails/a,b:c%.yaml', location: { line: 3, col: 7 } });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).not.toContain('\r');
    const parsed = parseCommand(line.slice(0, -1))!;
    expect(parsed.command).toBe('error');
    expect(parsed.properties).toEqual({ file: 'guardrails/a,b:c%.yaml', line: '3', col: '7', title: 'bad,code:x' });
    expect(parsed.data).toBe(inertText(message));
  });

  it('without a location names no file', () => {
    expect(githubAnnotation({ level: 'warning', title: 'no-reference', message: 'm' })).toBe('::warning title=no-reference::m\n');
  });
});

describe('the output boundary under GitHub Actions', () => {
  it.each([
    ['a command at the start of a line', '::stop-commands::pwned\n', '\\u003a'],
    ['after blanks', '  \t::error::fake\n', '\\u003a'],
    ['the older form anywhere in a line', 'OU x ##[add-mask]secret and ##[error]fake\n', '##\\u005b'],
    ['an Azure Pipelines command', 'name ##vso[task.setvariable variable=x]1\n', '##vso\\u005b'],
  ])('neutralizes %s', (_, text, escaped) => {
    const out = workflowCommandNeutralizer()(text);
    expect(out).toContain(escaped);
    for (const line of out.split('\n')) {
      expect(parseCommand(line)).toBeUndefined();
      expect(legacyCommand(line)).toBe(false);
    }
  });

  it('catches a command split across writes, and leaves a `::` inside a line alone', () => {
    const n = workflowCommandNeutralizer();
    const out = ['text\n  :', ':stop-commands::x\nOU #', '#', '[error]y\nARN arn::', ':x\n'].map(n).join('');
    expect(out).toBe('text\n  :\\u003astop-commands::x\nOU ##\\u005berror]y\nARN arn:::x\n');
  });

  it('writes its own annotations as commands, and neutralizes the same text written as output', () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const w = inertWriter(stream, { workflowCommands: true });
    w.write(`${WORKFLOW_COMMANDS}\n`);
    w.command!('::warning title=x::ok');
    expect(written[0]).not.toMatch(/^::|##\[|##vso\[/m);
    expect(written[1]).toBe('::warning title=x::ok\n');
  });
});

describe('the commands under GITHUB_ACTIONS=true', () => {
  let repo: ExampleRepo;
  beforeAll(async () => {
    repo = await compiledExampleRepo();
  });
  const cli = (args: string[], cwd = repo.dir) => runCli([...args, '--cache', repo.cache], { cwd, env: GITHUB });

  it('validate: one annotation per diagnostic printed, at its repository-relative file, line and column', async () => {
    const dir = path.join(path.dirname(repo.dir), 'typo');
    fs.cpSync(repo.dir, dir, { recursive: true });
    const file = path.join(dir, 'guardrails', 'baseline.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('      - iam:CreateAccessKey\n', '      - iam:CreateAccesKey\n'));
    const r = await cli(['validate'], dir);
    expect(r.code).toBe(2);
    const printed = [...r.stderr.matchAll(/^(\S+):(\d+):(\d+): (error|warning) ([a-z-]+):/gm)].map((m) => ({ file: m[1], line: m[2], col: m[3], command: m[4], title: m[5] }));
    const annotations = r.stderr.split('\n').map(parseCommand).filter((c) => c !== undefined);
    expect(printed.length).toBeGreaterThan(4);
    expect(annotations.map((a) => ({ file: a.properties.file, line: a.properties.line, col: a.properties.col, command: a.command, title: a.properties.title }))).toEqual(printed);
    const typo = annotations.find((a) => a.properties.title === 'unknown-action')!;
    expect(typo.properties.file).toBe('guardrails/baseline.yaml');
    expect(typo.data).toMatch(/CreateAccesKey.*\nhint: did you mean 'iam:CreateAccessKey'/s);
    // Outside GitHub Actions, no command.
    const plain = await runCli(['validate', '--cache', repo.cache], { cwd: dir });
    expect(plain.stderr).not.toMatch(/^::/m);
  });

  it('simulate: a failing scenario is an annotation at its test', async () => {
    const dir = path.join(path.dirname(repo.dir), 'tls');
    fs.cpSync(repo.dir, dir, { recursive: true });
    const file = path.join(dir, 'guardrails', 'data-perimeter.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('minVersion: "1.2"', 'minVersion: "1.0"'));
    const r = await cli(['simulate'], dir);
    expect(r.code).toBe(1);
    const failed = r.stderr.split('\n').map(parseCommand).filter((c) => c?.properties.title === 'scenario-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.properties.file).toBe('guardrails/tests.yaml');
    expect(failed[0]!.data).toMatch(/^test "S3 over TLS 1\.1 is denied": expected deny/);
  });

  it('diff: names of the org snapshot that carry workflow commands act as none in the log', async () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(repo.dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as { root: { ous: { name: string }[] } };
    for (const ou of snapshot.root.ous) ou.name += ` ${WORKFLOW_COMMANDS}`;
    fs.writeFileSync(path.join(repo.dir, 'commands.json'), JSON.stringify(snapshot));
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    // A fixed clock: the snapshot is recent, so its age is no annotation (the one command this log may hold).
    const io: CliIO = { stdout: inertWriter(stream, { workflowCommands: true }), stderr: inertWriter(stream, { clipLines: true, workflowCommands: true }), env: GITHUB, cwd: repo.dir, now: () => TEST_NOW };
    const code = await main(['diff', '--org', 'commands.json', '--cache', repo.cache], io);
    expect(code).toBe(0);
    const log = written.join('');
    expect(log).toContain('##\\u005badd-mask]secret');
    for (const line of log.split('\n')) {
      expect(legacyCommand(line), line).toBe(false);
      expect(parseCommand(line), line).toBeUndefined();
    }
  });
});
