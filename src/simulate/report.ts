/** Simulation results as a terminal table, JSON and JUnit XML (for CI). */
import { describeExpectation } from './scenario.js';
import type { ScenarioResult } from './run.js';

/** `failed` counts the failures that fail simulate: a waived scenario's failure counts as `waived`. */
export function summary(results: readonly ScenarioResult[]): { total: number; passed: number; failed: number; waived: number; declared: number; generated: number } {
  const failed = results.filter((r) => !r.pass && r.waived === undefined).length;
  const waived = results.filter((r) => !r.pass && r.waived !== undefined).length;
  return { total: results.length, passed: results.length - failed - waived, failed, waived, declared: results.filter((r) => r.scenario.origin === 'test').length, generated: results.filter((r) => r.scenario.origin === 'generated').length };
}

export function resultsJson(results: readonly ScenarioResult[]): unknown {
  return {
    summary: summary(results),
    results: results.map((r) => ({
      name: r.scenario.name,
      origin: r.scenario.origin,
      control: r.scenario.control ?? null,
      location: r.scenario.location ?? null,
      expected: describeExpectation(r.scenario.expect),
      actual: r.actual,
      pass: r.pass,
      failure: r.failure ?? null,
      waived: r.waived ?? null,
      engine: r.engine,
      decision: r.decision.decision,
      decidedBy: r.decision.decidedBy ?? null,
      allowedBy: r.decision.allowedBy ?? null,
      reason: r.decision.reason,
      request: r.scenario.request,
    })),
  };
}

/** `s` cut in the middle to `max` characters. */
function middle(s: string, max: number): string {
  if (s.length <= max) return s;
  const keep = Math.max(max - 3, 2);
  return `${s.slice(0, Math.ceil(keep / 2))}...${s.slice(s.length - Math.floor(keep / 2))}`;
}

/**
 * The result's actual decision in at most `max` characters for the table. A deny keeps its shape,
 * "deny by CONTROLS (KIND POLICY statement SID at LEVEL)", and the level whole: the policy name, the
 * statement id and the controls are cut in the middle, longest first.
 */
export function shortActual(r: ScenarioResult, max = 110): string {
  if (r.actual.length <= max) return r.actual;
  const d = r.decision.decidedBy;
  const open = r.actual.indexOf(' (');
  if (!d || open < 0 || (r.decision.decision !== 'explicit-deny' && r.decision.decision !== 'implicit-deny')) return middle(r.actual, max);
  const head = r.actual.slice(0, open);
  const verb = head.startsWith('deny by ') ? 'deny by ' : '';
  const parts = {
    controls: head.slice(verb.length),
    policy: d.policy,
    sid: d.statement !== undefined ? String(d.sid ?? d.statement + 1) : '',
  };
  const render = () => `${verb}${parts.controls} (${d.kind.toUpperCase()} ${parts.policy}${parts.sid ? ` statement ${parts.sid}` : ''}${d.level !== undefined ? ` at ${d.level}` : ''})`;
  for (const floor of [{ controls: 16, policy: 12, sid: 8 }, { controls: 5, policy: 5, sid: 5 }]) {
    while (render().length > max) {
      const key = (Object.keys(parts) as (keyof typeof parts)[]).filter((k) => parts[k].length > floor[k]).sort((a, b) => parts[b].length - floor[b] - (parts[a].length - floor[a]))[0];
      if (!key) break;
      parts[key] = middle(parts[key], Math.max(floor[key], parts[key].length - (render().length - max)));
    }
  }
  const text = render();
  return text.length <= max ? text : middle(text, max);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * JUnit XML. Each test case carries the `file` and `line` where its scenario is written (a declared
 * test, or the control a generated scenario comes from), as CI test reporters read them; `relative`
 * gives the file as the report should name it (relative to the repository).
 */
export function junitXml(results: readonly ScenarioResult[], relative: (file: string) => string = (f) => f): string {
  const s = summary(results);
  const cases = results.map((r) => {
    const name = xml(r.scenario.name);
    const classname = xml(r.scenario.origin === 'test' ? 'guardrails.tests' : `guardrails.generated.${r.scenario.control}`);
    const loc = r.scenario.location;
    const where = loc ? ` file="${xml(relative(loc.file))}" line="${loc.line}"` : '';
    const body = r.pass ? '' : r.waived !== undefined ? `<skipped message="${xml(`waived: ${r.waived}`)}"/>` : `<failure message="${xml(r.failure ?? 'failed')}">${xml(`expected ${describeExpectation(r.scenario.expect)}\nactual ${r.actual}\nengine ${r.engine}`)}</failure>`;
    return `    <testcase name="${name}" classname="${classname}"${where}>${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${s.total}" failures="${s.failed}">\n  <testsuite name="guardrails simulate" tests="${s.total}" failures="${s.failed}" skipped="${s.waived}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
