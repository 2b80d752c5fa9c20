/**
 * Which statements make a change, for one persona on one account: on the side after the change, the
 * Deny statements that now deny the change's actions (unconditionally, or under a condition the change
 * adds); on the side before, those whose denial the change removes. Each is named by its policy, its
 * Sid and its origins (the controls and drafts it was compiled from), so the report can say which
 * control, and which line of the intent, a change comes from.
 */
import { partialStatement, signatureOf, type PartialRequest, type PartialStatement, type PreparedStatement } from '../evaluate/index.js';
import type { Chain } from './chains.js';
import { actionsOf, withActionsOf } from './classification.js';
import type { ActionSet } from '../reference/index.js';
import type { ChangeSource, SemanticChange } from './types.js';

/** The change's actions a source's statement denies (or denied): a control's share of the change. */
const actionsOfSource = new WeakMap<ChangeSource, ActionSet>();
export function sourceActions(source: ChangeSource): ActionSet | undefined {
  return actionsOfSource.get(source);
}

/** Each statement partially evaluated for a request once: the changes of a group share its request, and its chains. */
const partialsFor = new WeakMap<PartialRequest, Map<PreparedStatement, PartialStatement[]>>();
function partialsOf(prepared: PreparedStatement, request: PartialRequest): PartialStatement[] {
  let known = partialsFor.get(request);
  if (!known) partialsFor.set(request, (known = new Map()));
  let found = known.get(prepared);
  if (!found) known.set(prepared, (found = partialStatement(prepared, request)));
  return found;
}

/** The change with its sources. */
export function attributed(change: SemanticChange, was: Chain | undefined, will: Chain, request: PartialRequest): SemanticChange {
  return withActionsOf(change, { ...change, sources: attribute(change, was, will, request) });
}

export function attribute(change: SemanticChange, was: Chain | undefined, will: Chain, request: PartialRequest): ChangeSource[] {
  const actions = actionsOf(change);
  if (!actions) return [];
  const out: ChangeSource[] = [];
  const seen = new Map<string, ChangeSource>();
  const scan = (chain: Chain | undefined, side: ChangeSource['side'], relevant: (signature: string | undefined) => boolean) => {
    for (const level of chain?.levels ?? []) {
      for (const policy of level) {
        policy.statements.forEach((prepared, index) => {
          for (const part of partialsOf(prepared, request)) {
            if (part.effect !== 'Deny' || part.condition === 'no' || !part.actions.intersects(actions)) continue;
            const signature = part.condition === 'yes' && part.resources === 'all' ? undefined : signatureOf(part);
            if (!relevant(signature)) continue;
            const key = `${side}|${policy.id}|${index}|${signature ?? ''}`;
            const share = part.actions.intersect(actions);
            const known = seen.get(key);
            if (known) {
              actionsOfSource.get(known)!.addAll(share);
              continue;
            }
            const sid = prepared.statement.sid;
            const source: ChangeSource = { side, policy: policy.name, ...(sid ? { sid } : {}), ...(signature ? { signature } : {}), origins: [...(policy.origins?.[index] ?? [])] };
            seen.set(key, source);
            actionsOfSource.set(source, share);
            out.push(source);
          }
        });
      }
    }
  };
  const before = change.before ?? [];
  const after = change.after ?? [];
  const wasAlwaysDenied = change.kind === 'newly-allowed' || change.kind === 'now-conditional';
  scan(was, 'removed', (sig) => (sig === undefined ? wasAlwaysDenied : before.includes(sig)));
  scan(will, 'added', (sig) => (sig === undefined ? change.kind === 'newly-denied' : after.includes(sig)));
  return out;
}
