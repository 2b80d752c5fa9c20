/**
 * `organization.treeFrom`: the tree read from an org snapshot (`guardrails org export`) instead of
 * written by hand, so that an account vended yesterday is in the tree the policies are compiled for.
 * The snapshot is the pull request's file like any intent file: its path is relative to the intent file
 * that names it, it must resolve inside that file's repository, and it is read under the untrusted-input
 * limits of src/files. Only the snapshot's format is shared with src/org (state.ts and state-file.ts
 * import no AWS client), never the reading of Organizations.
 */
import * as path from 'node:path';
import { error, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import type { SourceIndex } from '../diagnostics/source-index.js';
import { repositoryOfFile } from '../files/index.js';
import type { OrgTree } from '../model/org-tree.js';
import { readStateFile } from '../org/state-file.js';
import { treeOfState } from '../org/state.js';
import type { Organization, TreeSource } from './types.js';

export interface TreeFromResult {
  tree: OrgTree | undefined;
  source: TreeSource | undefined;
  diagnostics: Diagnostic[];
}

const EXPORT_HINT = 'write it with guardrails org export --out FILE (the path is relative to the intent file that names it)';

export async function readTreeFrom(org: Organization, cwd: string, sources: SourceIndex): Promise<TreeFromResult> {
  const written = org.treeFrom!;
  const at = sources.locate(org, 'treeFrom');
  const declaring = at?.file ?? sources.locate(org)?.file;
  const fail = (diagnostics: Diagnostic[]): TreeFromResult => ({ tree: undefined, source: undefined, diagnostics });
  if (!declaring) return fail([error('tree-from', 'organization.treeFrom: cannot tell which intent file names the snapshot', undefined)]);
  const file = path.resolve(path.dirname(declaring), written);
  const root = repositoryOfFile(declaring, cwd);
  const read = await readStateFile(file, sources, { root });
  if (!read.state) {
    // A file that cannot be read at all is reported where the intent names it; a malformed one, inside it.
    return fail(read.diagnostics.map((d) => (d.location ? d : { ...d, message: `organization.treeFrom "${written}": ${d.message}`, location: at, hint: d.hint ?? EXPORT_HINT })));
  }
  const state = read.state;
  const diagnostics: Diagnostic[] = [];
  const where = (key: string): string => {
    const l = sources.locate(state.organization, key);
    return l ? ` (${path.basename(l.file)}:${l.line}:${l.col})` : '';
  };
  const mismatch = (what: string, intentValue: string, snapshotValue: string, key: string, holder: object | undefined) =>
    diagnostics.push(
      error(
        'org-mismatch',
        `organization.treeFrom "${written}" is a snapshot of ${what} ${snapshotValue}${where(key)}, but the intent's organization.${key} is ${intentValue}`,
        (holder && sources.locate(holder, key)) ?? at,
        'export the right organization (guardrails org export --out FILE), or fix the intent',
      ),
    );
  if (state.organization.id !== org.id) mismatch('organization', org.id, state.organization.id, 'id', org);
  if (state.organization.managementAccount !== org.managementAccount) mismatch('the organization whose management account is', org.managementAccount, state.organization.managementAccount, 'managementAccount', org);
  if (org.rootId !== undefined && org.rootId !== state.root.id) {
    diagnostics.push(error('org-mismatch', `organization.treeFrom "${written}" has the root ${state.root.id}, but the intent's organization.rootId is ${org.rootId}`, sources.locate(org, 'rootId') ?? at, 'drop rootId: the snapshot gives it'));
  }
  if (diagnostics.length) return fail(diagnostics);
  return { tree: treeOfState(state), source: { kind: 'snapshot', file, written, readAt: state.readAt }, diagnostics };
}

/** Where `organization` is written, for the errors about where its tree comes from. */
export function organizationAt(org: Organization, sources: SourceIndex, roots: Record<string, unknown>[]): SourceLocation | undefined {
  for (const r of roots) if (r.organization === org) return sources.locateKey(r, 'organization');
  return sources.locate(org);
}
