/**
 * Policies as the engine evaluates them: their statements with action sets expanded once against the
 * reference, shared by every chain, account and persona that holds the same text.
 */
import { prepareStatement, type PartialStatement, type PreparedStatement } from '../evaluate/index.js';
import { readPolicyDocument, type PolicyType, type Statement } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
import type { AttachedPolicy, OriginsOf, StatementOrigin } from './types.js';

/** The statements of a policy text, or why there are none to evaluate. */
export function statementsOf(content: string): { ok: true; statements: Statement[] } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    return { ok: false, problem: `its content is not JSON (${(e as Error).message})` };
  }
  const { document, diagnostics } = readPolicyDocument(value, undefined);
  const first = diagnostics.find((d) => d.severity === 'error');
  if (!document || first) return { ok: false, problem: first?.message ?? 'it is not a policy document' };
  return { ok: true, statements: document.statements };
}

export interface PreparedPolicy {
  /** Equal texts of one policy type share one prepared policy, and so one id. */
  readonly id: number;
  /** The name of the first policy seen with this text. */
  readonly name: string;
  readonly statements: PreparedStatement[];
  /** Where each statement comes from, when known (for attribution). */
  origins?: readonly (readonly StatementOrigin[])[];
  /** For a policy the engine cannot read: the Deny of every action that may apply it counts as. */
  readonly unreadable?: PartialStatement;
}

/** What enabling a policy type attaches everywhere: FullAWSAccess, RCPFullAWSAccess. */
const FULL_ACCESS: Record<PolicyType, Statement> = {
  scp: { effect: 'Allow', action: ['*'], resource: ['*'] },
  rcp: { effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] },
};

/** The actions each policy type governs: every action for SCPs, those of the services RCPs support for RCPs. */
export function universesOf(reference: ReferenceIndex): Record<PolicyType, ActionSet> {
  return { scp: reference.allActions(), rcp: rcpUniverse(reference) };
}

function rcpUniverse(reference: ReferenceIndex): ActionSet {
  const set = reference.emptySet();
  for (const s of reference.services) if (s.supportsRcp) set.addAll(reference.serviceActions(s));
  const retire = reference.action('kms:RetireGrant');
  // RCPs do not apply to kms:RetireGrant (REFERENCE.md section 2).
  if (retire) set.delete(retire.id);
  return set;
}

export class PreparedPolicies {
  private readonly byContent: Record<PolicyType, Map<string, PreparedPolicy>> = { scp: new Map(), rcp: new Map() };
  private nextId = 0;
  private readonly asked = new WeakSet<AttachedPolicy>();
  /** The AWS-managed full-access policy of each type, as enabling the type attaches it. */
  readonly fullAccess: Record<PolicyType, PreparedPolicy>;

  constructor(
    private readonly reference: ReferenceIndex,
    readonly universes: Record<PolicyType, ActionSet>,
    private readonly originsOf?: OriginsOf,
  ) {
    this.fullAccess = {
      scp: { id: this.nextId++, name: 'FullAWSAccess', statements: [prepareStatement(FULL_ACCESS.scp, reference, universes.scp)] },
      rcp: { id: this.nextId++, name: 'RCPFullAWSAccess', statements: [prepareStatement(FULL_ACCESS.rcp, reference, universes.rcp)] },
    };
  }

  /**
   * A policy the engine cannot read (checkDeployedPolicies stops the CLI before this) fails closed: it
   * counts as a Deny of every action that may apply, "cannot be evaluated", so no action it might deny
   * is reported as allowed, while what other policies change still shows. The content is the key, not
   * the canonical text: canonicalizing drops the statements it cannot read.
   */
  of(p: AttachedPolicy, type: PolicyType): PreparedPolicy {
    const known = this.byContent[type];
    let entry = known.get(p.content);
    if (!entry) {
      const read = statementsOf(p.content);
      const universe = this.universes[type];
      entry = read.ok
        ? { id: this.nextId++, name: p.name, statements: read.statements.map((s) => prepareStatement(s, this.reference, universe)) }
        : { id: this.nextId++, name: p.name, statements: [], unreadable: { effect: 'Deny', actions: universe, condition: 'maybe', residual: {}, resources: 'all', error: `${p.name}: ${read.problem}` } };
      known.set(p.content, entry);
    }
    // The same text deployed and compiled: the compiled policy's origins are as good as the deployed one's.
    if (!entry.origins && this.originsOf && !this.asked.has(p)) {
      this.asked.add(p);
      const origins = this.originsOf(p, type);
      if (origins) entry.origins = origins;
    }
    return entry;
  }
}
