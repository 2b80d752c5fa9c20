/**
 * Scenarios: a request and what the guardrails must decide. Declared ones come from the intent's
 * tests:; generated ones from each control (generate.ts).
 *
 * Expectations:
 *   allow           the whole question says allow
 *   deny            it says deny (explicitly or implicitly); with `by`, that control's statement denies
 *   not-denied-by   no statement of that control denies it (other controls may): generated scenarios
 *                   say what their control lets through without assuming what the others do
 */
import type { SourceLocation } from '../diagnostics/index.js';
import type { RequestSpec } from '../evaluate/index.js';

export type Expectation = { kind: 'allow' } | { kind: 'deny'; by?: string } | { kind: 'not-denied-by'; control: string };

export interface Scenario {
  name: string;
  origin: 'test' | 'generated';
  /** For generated scenarios, the control they exercise. */
  control?: string;
  request: RequestSpec;
  expect: Expectation;
  location?: SourceLocation;
}

export function describeExpectation(e: Expectation): string {
  if (e.kind === 'allow') return 'allow';
  if (e.kind === 'deny') return e.by ? `deny by ${e.by}` : 'deny';
  return `not denied by ${e.control}`;
}
