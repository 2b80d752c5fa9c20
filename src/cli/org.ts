import * as path from 'node:path';
import { inertLine } from '../diagnostics/index.js';
import { errnoReason } from '../files/errno.js';
import { isInside, realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { OrgAccessError, organizationsClientFromEnv, readOrganization, renderStateFile, writeStateFile } from '../org/index.js';
import { displayPath, formatCount } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIO } from './io.js';

export interface OrgExportFlags {
  out?: string;
  concurrency: number;
}

/** `guardrails org export`: the deployed state to a file (or stdout), for diffs without credentials. */
export async function runOrgExport(flags: OrgExportFlags, io: CliIO): Promise<number> {
  const file = flags.out === undefined ? undefined : path.resolve(io.cwd, flags.out);
  if (flags.out !== undefined && file) {
    // Checked before any call: a file named inside the repository must be written inside it, whatever
    // a committed symlink on its way says (rootForNamedPath).
    const root = rootForNamedPath(flags.out, io.cwd, repositoryOf(io.cwd));
    const dir = realOrResolved(path.dirname(file));
    if (root !== undefined && !isInside(root, dir)) {
      io.stderr.write(`error org-export-outside-repository: ${inertLine(file)} is in ${inertLine(dir)}, outside the repository ${root}; a path in the repository must not lead out of it\n`);
      return EXIT_BAD_INPUT;
    }
  }
  let result;
  try {
    const stop = new AbortController();
    result = await readOrganization(organizationsClientFromEnv(io.env, { stop: stop.signal }), { concurrency: flags.concurrency, source: 'AWS Organizations', stop });
  } catch (e) {
    if (!(e instanceof OrgAccessError)) throw e;
    io.stderr.write(`error org-access: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const { state, calls } = result;
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  const accounts = countAccounts(state.root);
  const summary = `organization ${state.organization.id}: ${formatCount(accounts.ous)} OUs, ${formatCount(accounts.accounts)} accounts, ${formatCount(state.policies.filter((p) => p.type === 'scp').length)} SCPs, ${formatCount(state.policies.filter((p) => p.type === 'rcp').length)} RCPs; ${formatCount(total)} API calls`;
  if (file) {
    try {
      await writeStateFile(file, state);
    } catch (e) {
      io.stderr.write(`error org-export-not-written: cannot write ${inertLine(file)}: ${errnoReason(e)}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(`${summary}; written to ${displayPath(file, io.cwd)}\n`);
  } else {
    io.stdout.write(renderStateFile(state));
    io.stderr.write(`${summary}\n`);
  }
  return EXIT_OK;
}

function countAccounts(ou: { ous: { ous: unknown[]; accounts: unknown[] }[]; accounts: unknown[] }): { ous: number; accounts: number } {
  let ous = 0;
  let accounts = ou.accounts.length;
  for (const c of ou.ous as (typeof ou)[]) {
    const sub = countAccounts(c);
    ous += 1 + sub.ous;
    accounts += sub.accounts;
  }
  return { ous, accounts };
}
