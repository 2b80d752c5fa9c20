/**
 * The org snapshot file (`guardrails org export`, read back with `--org FILE`): the OrgState as
 * pretty JSON in a stable order, so that exporting the same organization twice gives the same bytes
 * apart from `readAt`. Reading it checks its shape and reports problems at their line and column.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { error, quoteUntrusted, SourceIndex, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { LIMITS, readText } from '../files/index.js';
import { jsonNestingOver } from '../files/json-depth.js';
import { parseJsonWithPositions } from '../policy/index.js';
import { normalizeState, ORG_STATE_FORMAT, type OrgState } from './state.js';

export function renderStateFile(state: OrgState): string {
  return JSON.stringify(normalizeState(state), null, 2) + '\n';
}

/** Written beside the target and renamed over it: a failed export never leaves half a file. */
export async function writeStateFile(file: string, state: OrgState): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    await fs.writeFile(tmp, renderStateFile(state), { flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export interface StateFileResult {
  state: OrgState | undefined;
  diagnostics: Diagnostic[];
  sources: SourceIndex;
  /** Policy id -> where its `content` is written in the file. */
  contentAt?: ReadonlyMap<string, SourceLocation>;
}

export interface StateFileOptions {
  /**
   * A real directory the file must resolve inside (rootForNamedPath in src/files/repository.ts): a
   * snapshot committed in the repository is the pull request's, and may be a symlink to a secret.
   */
  root?: string;
}

/**
 * An org snapshot never nests deeper than this: AWS allows five levels of OUs below the root, and
 * each level is an object in a list (root.ous[0].ous[0]...), so about 16 at most.
 */
const SNAPSHOT_MAX_DEPTH = 32;
/** AWS Organizations allows five levels of OUs below the root. */
export const MAX_OU_DEPTH = 5;

export async function readStateFile(file: string, sources = new SourceIndex(), options: StateFileOptions = {}): Promise<StateFileResult> {
  const read = await readText(file, { ...(options.root !== undefined ? { root: options.root } : {}), maxBytes: LIMITS.orgSnapshot, what: 'org snapshot' });
  if (!read.ok) {
    const location = read.line !== undefined ? { file, line: read.line, col: read.col ?? 1 } : undefined;
    return { state: undefined, sources, diagnostics: [error(read.code, read.message, location, 'write one with guardrails org export --out FILE')] };
  }
  const deep = jsonNestingOver(read.text, SNAPSHOT_MAX_DEPTH);
  if (deep !== undefined) {
    sources.addText(file, read.text);
    return { state: undefined, sources, diagnostics: [error('org-snapshot-shape', `the org snapshot nests deeper than ${SNAPSHOT_MAX_DEPTH} levels; an organization has at most ${MAX_OU_DEPTH} levels of OUs below the root`, sources.position(file, deep), 'export the state again with guardrails org export')] };
  }
  const parsed = parseJsonWithPositions(file, read.text, sources);
  if (parsed.diagnostics.length) return { state: undefined, sources, diagnostics: parsed.diagnostics };
  const diagnostics = checkStateShape(parsed.value, sources, file);
  if (diagnostics.length) return { state: undefined, sources, diagnostics };
  const state = normalizeState(parsed.value as OrgState);
  // normalizeState copies the policies; where each one's content is written stays findable by its id.
  const contentAt = new Map<string, SourceLocation>();
  for (const p of (parsed.value as OrgState).policies) {
    const at = sources.locate(p, 'content');
    if (at) contentAt.set(p.id, at);
  }
  return { state, sources, diagnostics: [], contentAt };
}

function checkStateShape(value: unknown, sources: SourceIndex, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = (holder: object | undefined, key: string | number | undefined, message: string) =>
    out.push(error('org-snapshot-shape', message, sources.locate(holder, key) ?? { file, line: 1, col: 1 }, 'export the state again with guardrails org export'));
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const str = (holder: Record<string, unknown>, key: string, where: string) => {
    if (typeof holder[key] !== 'string' || holder[key] === '') bad(holder, key, `${where}.${key} must be a non-empty string`);
  };
  if (!isObj(value)) {
    bad(undefined, undefined, 'an org snapshot is a JSON object');
    return out;
  }
  if (value.format !== ORG_STATE_FORMAT) bad(value, 'format', `unsupported org snapshot format ${quoteUntrusted(String(JSON.stringify(value.format)), 40)}; expected ${ORG_STATE_FORMAT}`);
  const org = value.organization;
  if (!isObj(org)) bad(value, 'organization', 'organization must be an object with id and managementAccount');
  else {
    str(org, 'id', 'organization');
    str(org, 'managementAccount', 'organization');
  }
  // Every root, OU and account id, where it first appears: ids are unique in an organization.
  const nodes = new Map<string, string>();
  // Whether every id of the tree was read: targets are checked against it only then.
  let treeWhole = true;
  const unique = (node: Record<string, unknown>, where: string, what: string) => {
    if (typeof node.id !== 'string' || node.id === '') {
      treeWhole = false;
      return;
    }
    const first = nodes.get(node.id);
    if (first !== undefined) bad(node, 'id', `${where}.id: ${what} ${quoteUntrusted(node.id, 80)} appears twice in the tree (first at ${first})`);
    else nodes.set(node.id, where);
  };
  // The tree, walked with a list rather than recursion: a hostile file cannot exhaust the stack.
  const pending: { ou: unknown; where: string; holder: object; key: string | number; depth: number }[] = [{ ou: value.root, where: 'root', holder: value, key: 'root', depth: 0 }];
  while (pending.length) {
    const { ou, where, holder, key, depth } = pending.shift()!;
    if (!isObj(ou)) {
      treeWhole = false;
      bad(holder, key, `${where} must be an object with id, name, ous and accounts`);
      continue;
    }
    str(ou, 'id', where);
    str(ou, 'name', where);
    unique(ou, where, where === 'root' ? 'root' : 'OU');
    if (!Array.isArray(ou.accounts)) {
      treeWhole = false;
      bad(ou, 'accounts', `${where}.accounts must be a list`);
    } else
      ou.accounts.forEach((a, i) => {
        if (!isObj(a)) {
          treeWhole = false;
          return bad(ou.accounts as object, i, `${where}.accounts[${i}] must be an object with id and name`);
        }
        str(a, 'id', `${where}.accounts[${i}]`);
        str(a, 'name', `${where}.accounts[${i}]`);
        unique(a, `${where}.accounts[${i}]`, 'account');
      });
    if (!Array.isArray(ou.ous)) {
      treeWhole = false;
      bad(ou, 'ous', `${where}.ous must be a list`);
    } else if (ou.ous.length && depth >= MAX_OU_DEPTH) {
      treeWhole = false;
      bad(ou, 'ous', `${where}.ous: OUs nested more than ${MAX_OU_DEPTH} levels below the root, which AWS Organizations does not allow`);
    } else ou.ous.forEach((c, i) => pending.push({ ou: c, where: `${where}.ous[${i}]`, holder: ou.ous as object, key: i, depth: depth + 1 }));
  }
  const types = value.enabledPolicyTypes;
  if (types !== undefined) {
    if (!Array.isArray(types)) bad(value, 'enabledPolicyTypes', 'enabledPolicyTypes must be a list of "scp" and "rcp"');
    else types.forEach((t, i) => t !== 'scp' && t !== 'rcp' && bad(types, i, `enabledPolicyTypes[${i}] must be "scp" or "rcp"`));
  }
  const policyIds = new Map<string, string>();
  if (!Array.isArray(value.policies)) bad(value, 'policies', 'policies must be a list');
  else
    value.policies.forEach((p, i) => {
      const where = `policies[${i}]`;
      if (!isObj(p)) return bad(value.policies as object, i, `${where} must be an object`);
      for (const k of ['id', 'name', 'content']) str(p, k, where);
      if (typeof p.id === 'string' && p.id !== '') {
        const first = policyIds.get(p.id);
        if (first !== undefined) bad(p, 'id', `${where}.id: policy ${quoteUntrusted(p.id, 80)} appears twice (first at ${first})`);
        else policyIds.set(p.id, where);
      }
      if (p.type !== 'scp' && p.type !== 'rcp') bad(p, 'type', `${where}.type must be "scp" or "rcp"`);
      if (typeof p.awsManaged !== 'boolean') bad(p, 'awsManaged', `${where}.awsManaged must be true or false`);
      if (typeof p.description !== 'string') bad(p, 'description', `${where}.description must be a string`);
      const tags = p.tags;
      if (!isObj(tags)) bad(p, 'tags', `${where}.tags must map tag keys to strings`);
      else for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') bad(tags, k, `${where}.tags.${quoteUntrusted(k, 80)} must be a string`);
      const targets = p.targets;
      if (!Array.isArray(targets)) bad(p, 'targets', `${where}.targets must be a list of target ids`);
      else
        targets.forEach((t, j) => {
          if (typeof t !== 'string') bad(targets, j, `${where}.targets[${j}] must be a target id (a string)`);
          // Only against a tree that was read whole: a broken tree would make every target look unknown.
          else if (treeWhole && !nodes.has(t)) bad(targets, j, `${where}.targets[${j}]: ${quoteUntrusted(t, 80)} is not the root, an OU or an account of the tree`);
        });
    });
  return out;
}
