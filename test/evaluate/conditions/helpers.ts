import { compileCondition, RequestContext } from '../../../src/evaluate/index.js';
import type { Condition } from '../../../src/policy/index.js';

export type Ctx = Record<string, string | number | boolean | (string | number | boolean)[]>;

/** Evaluates a condition block written like a policy's (values as strings or lists) against a context. */
export function holds(condition: Record<string, Record<string, string | string[]>>, ctx: Ctx): boolean {
  const normalized: Condition = {};
  for (const [op, keys] of Object.entries(condition)) {
    normalized[op] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  }
  const c = new RequestContext();
  for (const [k, v] of Object.entries(ctx)) c.set(k, v);
  return compileCondition(normalized)(c);
}

export interface Case {
  name: string;
  condition: Record<string, Record<string, string | string[]>>;
  context: Ctx;
  expected: boolean;
}
