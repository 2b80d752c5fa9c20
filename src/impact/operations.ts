/**
 * A CloudTrail event (eventSource, eventName) -> the IAM actions the call needed, from the reference's
 * operations. `AuthorizedActions` is the union of what a call may need (s3 GetObject lists
 * s3-object-lambda:GetObject and GetObjectVersion too), so only the operation's own action is
 * **required**; the rest are **conditional**: a change denying only those "may deny". When the operation
 * lists no action of its own name, `required` is the actions of its own service (or, when it lists none
 * of those, as kafka's list kafka-cluster's, the same-named action elsewhere or all it lists), marked
 * `approximate`. Where the service lists no operations, an action of the event's name is used (`byName`).
 */
import type { AuthorizedAction, Operation, OperationsIndex } from '../reference/operations-index.js';
import { eventSourcePrefixes } from './event-sources.js';
import type { EventActions } from './types.js';

/** An eventName as AWS writes them; anything else names no operation. */
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/**
 * The API version some services append to eventName: Lambda `CreateFunction20150331`,
 * `UpdateFunctionConfiguration20150331v2`; CloudFront `UpdateDistribution2020_05_31`. The reference
 * names their operations without it.
 */
const API_VERSION_SUFFIX = /(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$/;

/**
 * The actions of an event, or undefined when nothing in the reference maps it (the caller counts it as
 * unmapped, per eventSource and eventName). Every prefix of the event source must have been loaded into
 * `operations` (prefixesOfEventSources gives them).
 */
export function mapEvent(operations: OperationsIndex, eventSource: string, eventName: string): EventActions | undefined {
  if (!EVENT_NAME.test(eventName)) return undefined;
  const prefixes = eventSourcePrefixes(eventSource);
  const bare = eventName.replace(API_VERSION_SUFFIX, '');
  const names = bare !== eventName && bare !== '' ? [eventName, bare] : [eventName];
  const found: EventActions[] = [];
  for (const prefix of prefixes) {
    const op = names.map((n) => operations.operation(prefix, n)).find((o) => o !== undefined);
    if (op && op.authorizedActions.length > 0) found.push(actionsOfOperation(op, prefixes));
  }
  if (found.length > 0) return merged(found);
  for (const prefix of prefixes) {
    for (const n of names) {
      const action = operations.action(prefix, n);
      if (action !== undefined) return { required: [`${prefix}:${action}`], conditional: [], approximate: false, byName: true };
    }
  }
  return undefined;
}

/** `ownServices`: the prefixes of the event source (opensearch's operations authorize es actions). */
function actionsOfOperation(op: Operation, ownServices: readonly string[]): EventActions {
  const all = op.authorizedActions;
  const sameName = (a: AuthorizedAction) => a.action.toLowerCase() === op.name.toLowerCase();
  const own = all.filter((a) => a.service === op.service || ownServices.includes(a.service));
  let required: AuthorizedAction[];
  let approximate = true;
  const exact = own.find(sameName);
  if (exact) {
    required = [exact];
    approximate = false;
  } else if (own.length > 0) required = own;
  else {
    const elsewhere = all.filter(sameName);
    required = elsewhere.length > 0 ? elsewhere : all;
  }
  return {
    required: required.map(nameOf),
    conditional: all.filter((a) => !required.includes(a)).map((a) => (a.passedToService ? { action: nameOf(a), passedToService: a.passedToService } : { action: nameOf(a) })),
    approximate,
    byName: false,
  };
}

/** One event source, several prefixes (es and opensearch): the union, each action once. */
function merged(found: EventActions[]): EventActions {
  if (found.length === 1) return found[0]!;
  const required = [...new Set(found.flatMap((f) => f.required))];
  const conditional = new Map<string, EventActions['conditional'][number]>();
  for (const c of found.flatMap((f) => f.conditional)) {
    if (required.includes(c.action)) continue;
    conditional.set(`${c.action}|${c.passedToService?.join(',') ?? ''}`, c);
  }
  return { required, conditional: [...conditional.values()], approximate: found.some((f) => f.approximate), byName: false };
}

function nameOf(a: AuthorizedAction): string {
  return `${a.service}:${a.action}`;
}
