/** Writing a plan file: beside the target and renamed over it, so a failed write never leaves half a plan. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LIMITS, readText } from '../files/index.js';
import { PLAN_FORMAT, type PlanFile } from './plan-file.js';

export function renderPlanFile(plan: PlanFile): string {
  return JSON.stringify(plan, null, 2) + '\n';
}

export async function writePlanFile(file: string, plan: PlanFile): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    await fs.writeFile(tmp, renderPlanFile(plan), { flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * A saved plan, read for `rollout --plan`: bounded, parsed, and checked for the shape a rollout relies
 * on (format, digests, waves of steps and expected states). A plan from another format is refused
 * rather than half understood.
 */
export async function readPlanFile(file: string): Promise<{ plan: PlanFile; problem?: undefined } | { plan?: undefined; problem: string }> {
  const read = await readText(file, { maxBytes: LIMITS.planFile, what: 'plan file' });
  if (!read.ok) return { problem: read.message };
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (e) {
    return { problem: `${file} is not JSON: ${(e as Error).message}` };
  }
  const p = value as Partial<PlanFile>;
  if (typeof p !== 'object' || p === null) return { problem: `${file} is not a plan: not an object` };
  if (p.format !== PLAN_FORMAT) return { problem: `${file} is a plan of format ${String(p.format)}; this guardrails reads format ${PLAN_FORMAT}: plan again with this version` };
  const digests = p.digests as Partial<PlanFile['digests']> | undefined;
  if (!digests || typeof digests.deployed !== 'string' || typeof digests.out !== 'string' || typeof digests.intent !== 'string') return { problem: `${file} is not a plan: it lacks its digests` };
  if (!Array.isArray(p.waves) || !p.waves.every((w) => typeof w?.name === 'string' && Array.isArray(w.steps) && Array.isArray(w.expected))) return { problem: `${file} is not a plan: its waves lack steps or expected states` };
  if (p.ok !== true) return { problem: `${file} is a refused plan: it cannot be applied` };
  return { plan: p as PlanFile };
}
