/**
 * SARIF 2.1.0 (OASIS), what GitHub code scanning and other CI viewers read: one result per diagnostic
 * (rule id = its code, level = its severity, its file, line and column) and, for simulate, one per
 * failing scenario at the test or control that states it. Paths are relative to the repository
 * (`%SRCROOT%`), never the runner's.
 */
import type { Diagnostic, SourceLocation } from '../diagnostics/index.js';
import type { ScenarioResult } from '../simulate/run.js';
import { describeExpectation } from '../simulate/scenario.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The rule of a failing scenario: every other rule is a diagnostic code. */
export const SCENARIO_FAILED = 'scenario-failed';

export interface SarifInput {
  tool: { name: string; version: string };
  diagnostics: readonly Diagnostic[];
  /** simulate's results: the failing ones are findings (a waived one suppressed, with its reason). */
  scenarios?: readonly ScenarioResult[];
  /** A file as the log names it: relative to the repository, `/`-separated. */
  relative(file: string): string;
  /**
   * Where a finding without a location of its own is shown (the first intent file): GitHub code
   * scanning refuses a whole log when any result has no location.
   */
  fallbackFile?: string;
}

type Level = 'error' | 'warning';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations?: unknown[];
  suppressions?: { kind: 'inSource'; justification: string }[];
  properties?: Record<string, unknown>;
}

export function sarifLog(input: SarifInput): object {
  const rules: { id: string; shortDescription: { text: string }; defaultConfiguration: { level: Level } }[] = [];
  const ruleIndex = new Map<string, number>();
  const rule = (id: string, level: Level, description: string) => {
    let i = ruleIndex.get(id);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(id, i);
      rules.push({ id, shortDescription: { text: sarifText(description) }, defaultConfiguration: { level } });
    }
    return i;
  };
  const located = (result: Omit<SarifResult, 'locations'>, location: SourceLocation | undefined): SarifResult => {
    if (location) return { ...result, locations: [physical(input.relative(location.file), location.line, location.col)] };
    if (input.fallbackFile === undefined) return result;
    return { ...result, locations: [physical(input.fallbackFile, 1, 1)], properties: { ...result.properties, unlocated: true } };
  };

  const results: SarifResult[] = input.diagnostics.map((d) =>
    located(
      {
        ruleId: d.code,
        ruleIndex: rule(d.code, d.severity, d.code.replace(/-/g, ' ')),
        level: d.severity,
        message: { text: sarifText(d.hint ? `${d.message}\nhint: ${d.hint}` : d.message) },
      },
      d.location,
    ),
  );
  for (const r of input.scenarios ?? []) {
    if (r.pass) continue;
    const expected = describeExpectation(r.scenario.expect);
    const result: Omit<SarifResult, 'locations'> = {
      ruleId: SCENARIO_FAILED,
      ruleIndex: rule(SCENARIO_FAILED, 'error', 'a scenario of guardrails simulate does not decide as expected'),
      level: 'error',
      message: { text: sarifText(`${r.scenario.origin === 'test' ? 'test' : 'generated scenario'} "${r.scenario.name}": expected ${expected}, actual ${r.actual}${r.failure ? `\n${r.failure}` : ''} (engine ${r.engine})`) },
      ...(r.waived !== undefined ? { suppressions: [{ kind: 'inSource' as const, justification: r.waived }] } : {}),
    };
    results.push(located(result, r.scenario.location));
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: input.tool.name, version: input.tool.version, rules } }, columnKind: 'utf16CodeUnits', results }],
  };
}

function physical(file: string, line: number, col: number): unknown {
  return { physicalLocation: { artifactLocation: { uri: fileUri(file), uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, line), startColumn: Math.max(1, col) } } };
}

/** A relative path as a URI reference: each segment percent-encoded (a space, `#` or `%` in a name). */
export function fileUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/**
 * A plain-text SARIF message. Braces are doubled (a viewer reads `{0}` as a placeholder), and square
 * brackets and backslashes are escaped with a backslash, so that no text from the intent can form an
 * embedded link (`[text](destination)`) that a viewer renders.
 */
export function sarifText(s: string): string {
  return s.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/[{}]/g, (c) => c + c);
}
