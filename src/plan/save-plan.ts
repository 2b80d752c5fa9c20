/** Writing a plan file: beside the target and renamed over it, so a failed write never leaves half a plan. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PlanFile } from './plan-file.js';

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
