/** Simulation results as a terminal table, JSON and JUnit XML (for CI). */
import { describeExpectation } from './scenario.js';
import type { ScenarioResult } from './run.js';

export function summary(results: readonly ScenarioResult[]): { total: number; passed: number; failed: number; declared: number; generated: number } {
  const failed = results.filter((r) => !r.pass).length;
  return { total: results.length, passed: results.length - failed, failed, declared: results.filter((r) => r.scenario.origin === 'test').length, generated: results.filter((r) => r.scenario.origin === 'generated').length };
}

export function resultsJson(results: readonly ScenarioResult[]): unknown {
  return {
    summary: summary(results),
    results: results.map((r) => ({
      name: r.scenario.name,
      origin: r.scenario.origin,
      control: r.scenario.control ?? null,
      expected: describeExpectation(r.scenario.expect),
      actual: r.actual,
      pass: r.pass,
      failure: r.failure ?? null,
      engine: r.engine,
      decision: r.decision.decision,
      decidedBy: r.decision.decidedBy ?? null,
      request: r.scenario.request,
    })),
  };
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function junitXml(results: readonly ScenarioResult[]): string {
  const s = summary(results);
  const cases = results.map((r) => {
    const name = xml(r.scenario.name);
    const classname = xml(r.scenario.origin === 'test' ? 'guardrails.tests' : `guardrails.generated.${r.scenario.control}`);
    const body = r.pass ? '' : `<failure message="${xml(r.failure ?? 'failed')}">${xml(`expected ${describeExpectation(r.scenario.expect)}\nactual ${r.actual}\nengine ${r.engine}`)}</failure>`;
    return `    <testcase name="${name}" classname="${classname}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${s.total}" failures="${s.failed}">\n  <testsuite name="guardrails simulate" tests="${s.total}" failures="${s.failed}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
