/**
 * The two sides a diff and a plan compare, on one tree: what is deployed (the org state read from
 * Organizations or a snapshot file) and what the compiler wants (out/ and its manifest). The deployed
 * tree is the truth about which OUs and accounts exist; the intent's targets are found in it by AWS id
 * where the intent gives one, else by path, and accounts by account id.
 */
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import type { CompiledPolicy } from '../compile/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { CONTROLS_TAG, isOwned, stagingName, treeOfState, type DeployedPolicy, type OrgState } from '../org/index.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { StatementOrigin } from '../semantic-diff/index.js';

export interface DesiredPolicy {
  name: string;
  type: PolicyType;
  /** Exactly the string compile wrote to out/. */
  content: string;
  controls: string[];
  /** Where it attaches, as nodes of the deployed tree. */
  targets: OrgNode[];
  /** How far compile minimized it (absent for policies not from compile). */
  minimization?: PolicyMinimization;
  /** Per statement of `content`, the controls and drafts it was compiled from. */
  origins?: StatementOrigin[][];
}

/** What the reviewer must know of a policy's minimization: its level, why, and the wildcards compile wrote. */
export interface PolicyMinimization {
  level: 1 | 2 | 3 | 4;
  /** Above level 1: the quota that forced it. */
  escalatedFor?: string;
  /** Wildcards compile wrote that the intent did not: each also matches the actions AWS adds later that fit it. */
  introduced: string[];
  /** An Action list rewritten as NotAction of its complement: it denies every action AWS adds later. */
  introducedNotAction: boolean;
}

export interface Deployment {
  state: OrgState;
  tree: OrgTree;
  managementAccount: string;
  quotas: Quotas;
  /** Every deployed SCP and RCP, ours and foreign. */
  deployed: DeployedPolicy[];
  desired: DesiredPolicy[];
  /**
   * The pinned service reference, when there is one: with it the planner can prove that a new version
   * denies everything the old one did where compact wildcards differ (additive staging).
   */
  reference?: ReferenceIndex;
}

export interface DeploymentInput {
  state: OrgState;
  policies: readonly CompiledPolicy[];
  quotas: Quotas;
  organizationId: string;
  managementAccount: string;
  reference?: ReferenceIndex;
  /** Where a control is declared in the intent (for the statements' origins). */
  locate?: (control: object) => SourceLocation | undefined;
}

export function buildDeployment(input: DeploymentInput): { deployment: Deployment | undefined; diagnostics: Diagnostic[] } {
  const { state } = input;
  const diagnostics: Diagnostic[] = [];
  if (state.organization.id !== input.organizationId) {
    diagnostics.push(error('org-mismatch', `the intent describes organization ${input.organizationId}, but the deployed state is of ${state.organization.id} (from ${state.source})`, undefined, 'export the state of the right organization, or fix organization.id'));
  }
  if (state.organization.managementAccount !== input.managementAccount) {
    diagnostics.push(error('org-mismatch', `the intent's management account is ${input.managementAccount}, but the deployed organization's is ${state.organization.managementAccount}`));
  }
  const tree = treeOfState(state);
  const desired: DesiredPolicy[] = [];
  for (const p of input.policies) {
    const targets: OrgNode[] = [];
    for (const t of p.targets) {
      const found = findDeployedNode(tree, t);
      if (found) targets.push(found);
      else diagnostics.push(error('unknown-deployed-target', `policy ${p.name} attaches to ${OrgTree.describe(t)}, which is not in the deployed organization (${state.source})`, undefined, 'the intent tree and the organization differ: create it in AWS, or fix the intent'));
    }
    const minimization: PolicyMinimization = {
      level: p.level,
      introduced: [...new Set(p.statements.flatMap((st) => st.introduced))],
      introducedNotAction: p.statements.some((st) => st.introducedNotAction),
    };
    if (p.escalatedFor) minimization.escalatedFor = p.escalatedFor;
    const origins = p.statements.map((st) =>
      st.origins.map((o): StatementOrigin => {
        const controlLocation = input.locate?.(o.draft.control);
        return { control: o.draft.control.id, ...(controlLocation ? { controlLocation } : {}), ...(o.draft.sid ? { sid: o.draft.sid } : {}), ...(o.draft.location ? { location: o.draft.location } : {}) };
      }),
    );
    desired.push({ name: p.name, type: p.type, content: p.text, controls: p.controls, targets, minimization, origins });
  }
  for (const p of state.policies) {
    if (isOwned(p)) continue;
    if (desired.some((d) => d.type === p.type && d.name === p.name)) {
      diagnostics.push(error('name-taken', `a ${p.type.toUpperCase()} named ${p.name} exists (${p.id}) but is not managed by guardrails, so it will not be changed; guardrails needs that name`, undefined, 'tag it managed-by=guardrails if it is ours, or rename it'));
    }
    // A rollout stages the next version of a policy under its staging name; a foreign policy there blocks it.
    const staged = desired.find((d) => d.type === p.type && stagingName(d.name) === p.name);
    if (staged) {
      diagnostics.push(error('name-taken', `a ${p.type.toUpperCase()} named ${p.name} exists (${p.id}) but is not managed by guardrails; guardrails stages the next version of ${staged.name} under that name during a rollout`, undefined, 'if it is a staged copy guardrails created, tag it managed-by=guardrails; else rename or delete it'));
    }
  }
  for (const p of state.policies) {
    if (isOwned(p) && p.tags[CONTROLS_TAG] === undefined) diagnostics.push(warning('untracked-controls', `${p.type.toUpperCase()} ${p.name} does not record its controls (tag ${CONTROLS_TAG}); the plan checks its continuity by name only`));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { deployment: undefined, diagnostics };
  return { deployment: { state, tree, managementAccount: state.organization.managementAccount, quotas: input.quotas, deployed: state.policies, desired, ...(input.reference ? { reference: input.reference } : {}) }, diagnostics };
}

/** An intent node in the deployed tree: by AWS id when the intent has one, else by its path of names. */
export function findDeployedNode(tree: OrgTree, node: OrgNode): OrgNode | undefined {
  if (node.id) {
    const byId = node.kind === 'account' ? tree.account(node.id) : tree.byAwsId(node.id);
    if (byId) return byId;
    if (node.kind === 'account') return undefined;
  }
  if (node.kind === 'root') return tree.root;
  const rel = node.path.split('/').slice(1).join('/');
  const r = tree.resolve(`${tree.root.name}/${rel}`);
  return r.ok && r.node.kind === node.kind ? r.node : undefined;
}
