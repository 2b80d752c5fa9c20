/**
 * `--format sarif` of validate, compile and simulate, checked against the official SARIF 2.1.0 schema
 * (OASIS, errata 01: test/fixtures/sarif/) with ajv: on a malformed intent with several diagnostics, on
 * a failing simulate, and with hostile text in a message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import draft04 from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import { sarifLog, sarifText } from '../../src/report/sarif.js';
import { error, warning, type Diagnostic } from '../../src/diagnostics/index.js';
import { runCli } from '../support/cli.js';
import { compiledExampleRepo } from '../support/example-repo.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { HOSTILE } from './hostile-inputs.js';

const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
// The schema's formats, as RFC 3339 and RFC 3986 say (ajv knows none of them without a plugin).
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
// The package is CommonJS: its class is the module and its `default` alike.
const AjvDraft04 = draft04.default;
const validate = new AjvDraft04({ allErrors: true, strict: false })
  .addFormat('uri', (s: string) => URI_CHARS.test(s) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s))
  .addFormat('uri-reference', (s: string) => URI_CHARS.test(s))
  .addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)))
  .compile(schema);

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations?: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } } }[];
  suppressions?: { kind: string; justification: string }[];
  properties?: Record<string, unknown>;
}
interface SarifLog {
  version: string;
  runs: { tool: { driver: { name: string; version: string; rules: { id: string }[] } }; results: SarifResult[] }[];
}

function expectValidSarif(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog;
  const valid = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
  expect(valid).toBe(true);
  expect(log.version).toBe('2.1.0');
  return log;
}

let repo: Awaited<ReturnType<typeof compiledExampleRepo>>;

beforeAll(async () => {
  repo = await compiledExampleRepo();
});

/** A copy of the example repository with one intent file edited. */
function editedCopy(name: string, file: string, edit: (text: string) => string): string {
  const dir = path.join(path.dirname(repo.dir), name);
  fs.cpSync(repo.dir, dir, { recursive: true });
  const at = path.join(dir, 'guardrails', file);
  const before = fs.readFileSync(at, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(at, after);
  return dir;
}

const cliIn = (dir: string, args: string[]) => runCli([...args, '--cache', repo.cache], { cwd: dir });

describe('the schema check itself', () => {
  it('refuses what is not SARIF 2.1.0', () => {
    expect(validate({ version: '2.1.0', runs: [] })).toBe(true);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a b.yaml' } } }] }] }] })).toBe(false);
  });
});

describe('validate --format sarif on a malformed intent', () => {
  let dir: string;
  beforeAll(() => {
    dir = editedCopy('malformed', 'baseline.yaml', (t) =>
      t
        .replace('      - iam:CreateAccessKey\n', '      - iam:CreateAccesKey\n')
        .replace('allowedRegions: [us-east-1, us-west-2, eu-central-1]', 'allowedRegions: [us-east-1, us-west-2, eu-centrl-1]')
        .replace('    kind: deny-actions\n    actions: [organizations:LeaveOrganization]', '    kind: deny-actions\n    acions: [organizations:LeaveOrganization]'),
    );
  });

  it('is schema-valid, with one result per diagnostic: its code, level, repository-relative file, line and column, and hint', async () => {
    const r = await cliIn(dir, ['validate', '--format', 'sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    const log = expectValidSarif(r.stdout);
    const json = JSON.parse((await cliIn(dir, ['validate', '--json'])).stdout) as { diagnostics: Diagnostic[] };
    expect(json.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThanOrEqual(3);
    const results = log.runs[0]!.results;
    expect(results.map((x) => [x.ruleId, x.level])).toEqual(json.diagnostics.map((d) => [d.code, d.severity]));
    results.forEach((x, i) => {
      const d = json.diagnostics[i]!;
      const loc = x.locations![0]!.physicalLocation;
      expect(loc.artifactLocation).toEqual({ uri: d.location!.file, uriBaseId: '%SRCROOT%' });
      expect(loc.region).toEqual({ startLine: d.location!.line, startColumn: d.location!.col });
      expect(d.location!.file).toMatch(/^guardrails\//);
    });
    const action = results.find((x) => x.ruleId === 'unknown-action')!;
    expect(action.message.text).toMatch(/CreateAccesKey.*\nhint: did you mean 'iam:CreateAccessKey'/s);
    expect(results.map((x) => x.ruleId)).toEqual(expect.arrayContaining(['unknown-action', 'unknown-region']));
    expect(log.runs[0]!.tool.driver.rules.map((rule) => rule.id).sort()).toEqual([...new Set(results.map((x) => x.ruleId))].sort());
    expect(r.stdout).not.toContain(dir);
  });

  it('anchors a diagnostic without a location at the first intent file, since code scanning refuses a log with one result unlocated', async () => {
    const r = await runCli(['validate', '--format', 'sarif', '--cache', 'no-cache'], { cwd: dir });
    const log = expectValidSarif(r.stdout);
    const missing = log.runs[0]!.results.find((x) => x.ruleId === 'no-reference')!;
    expect(missing.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'guardrails/baseline.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1 } });
    expect(missing.properties).toEqual({ unlocated: true });
    expect(log.runs[0]!.results.every((x) => x.locations?.length === 1)).toBe(true);
  });

  it('compile --format sarif: the same diagnostics, schema-valid, nothing written', async () => {
    const r = await cliIn(dir, ['compile', '--format', 'sarif']);
    expect(r.code).toBe(2);
    const log = expectValidSarif(r.stdout);
    const json = JSON.parse((await cliIn(dir, ['compile', '--json'])).stdout) as { diagnostics: Diagnostic[] };
    expect(json.diagnostics.length).toBeGreaterThan(0);
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toEqual(json.diagnostics.map((d) => d.code));
    expect(fs.existsSync(path.join(dir, 'out', 'manifest.json'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')).toBe(fs.readFileSync(path.join(repo.dir, 'out', 'manifest.json'), 'utf8'));
  });

  it('--json with another --format is a usage error', async () => {
    const r = await cliIn(dir, ['validate', '--json', '--format', 'sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give either --json or --format sarif');
    expect((await cliIn(dir, ['validate', '--format', 'xml'])).stderr).toContain('--format must be text, json, sarif, not "xml"');
  });
});

describe('simulate --format sarif', () => {
  it('on a failing simulate: schema-valid, each failing scenario at its test or control, a waived one suppressed with its reason', async () => {
    // A declared test and a generated scenario fail: the TLS floor drops, and an unapproved model is approved.
    const dir = editedCopy('weakened', 'data-perimeter.yaml', (t) => t.replace('minVersion: "1.2"', 'minVersion: "1.0"'));
    const genai = path.join(dir, 'guardrails', 'genai.yaml');
    fs.writeFileSync(genai, fs.readFileSync(genai, 'utf8').replace('- amazon.titan-text-express-v1', '- amazon.titan-text-express-v1\n      - deepseek.r1-v1:0'));
    const json = JSON.parse((await cliIn(dir, ['simulate', '--json'])).stdout) as { results: { name: string; pass: boolean; origin: string }[] };
    const failing = json.results.filter((x) => !x.pass);
    expect(failing.length).toBeGreaterThan(1);
    // Waive one failing generated scenario: it stays in the log, suppressed.
    const waived = failing.find((x) => x.origin === 'generated')!;
    fs.appendFileSync(path.join(dir, 'guardrails', 'tests.yaml'), `\nsimulate:\n  waive:\n    - scenario: ${JSON.stringify(waived.name)}\n      reason: "the TLS floor is lowered on purpose [see](https://evil.example) {0}"\n`);
    const r = await cliIn(dir, ['simulate', '--format', 'sarif']);
    expect(r.code, r.stderr).toBe(1);
    const log = expectValidSarif(r.stdout);
    const scenarios = log.runs[0]!.results.filter((x) => x.ruleId === 'scenario-failed');
    expect(scenarios).toHaveLength(failing.length);
    for (const x of scenarios) {
      const loc = x.locations![0]!.physicalLocation;
      expect(loc.artifactLocation.uri).toMatch(/^guardrails\/(tests|genai)\.yaml$/);
      expect(loc.region.startLine).toBeGreaterThan(1);
    }
    const declared = scenarios.find((x) => x.message.text.startsWith('test "S3 over TLS 1.1 is denied"'))!;
    const testLine = fs.readFileSync(path.join(dir, 'guardrails', 'tests.yaml'), 'utf8').split('\n').indexOf('  - name: S3 over TLS 1.1 is denied') + 1;
    expect(declared.locations![0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'guardrails/tests.yaml' }, region: { startLine: testLine } });
    const suppressed = scenarios.filter((x) => x.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]!.message.text).toContain(sarifText(waived.name));
    expect(suppressed[0]!.suppressions).toEqual([{ kind: 'inSource', justification: 'the TLS floor is lowered on purpose [see](https://evil.example) {0}' }]);
  });

  it('on a passing simulate: schema-valid, no scenario result', async () => {
    const r = await repo.cli(['simulate', '--format', 'sarif']);
    expect(r.code).toBe(0);
    const log = expectValidSarif(r.stdout);
    expect(log.runs[0]!.results.filter((x) => x.ruleId === 'scenario-failed')).toEqual([]);
  });
});

describe('SARIF text', () => {
  it('keeps a hostile message from forming an embedded link or a placeholder, and the log valid', () => {
    expect(sarifText('see [x](1) or [y](https://evil.example) {0} \\[')).toBe('see \\[x\\](1) or \\[y\\](https://evil.example) {{0}} \\\\\\[');
    const log = sarifLog({
      tool: { name: 'guardrails', version: '0.0.0' },
      diagnostics: [error('unknown-action', `control x${HOSTILE}: nothing`, { file: '/repo/guardrails/a b#1.yaml', line: 3, col: 5 }, `did you mean ${HOSTILE}`), warning('w', 'no location')],
      relative: (f) => path.relative('/repo', f),
    });
    const text = JSON.stringify(log);
    expectValidSarif(text);
    const results = (log as SarifLog).runs[0]!.results;
    expect(results[0]!.locations![0]!.physicalLocation.artifactLocation.uri).toBe('guardrails/a%20b%231.yaml');
    expect(results[0]!.message.text).not.toMatch(/(?<!\\)\[x\]\(/);
    // Without an intent file to anchor it, a finding with no location has none.
    expect(results[1]!.locations).toBeUndefined();
  });
});
