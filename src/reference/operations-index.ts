/**
 * The API operations of some services of the reference (`Operations[]` of a service file): which IAM
 * actions each call is authorized against (`AuthorizedActions`, with the `iam:PassedToService` context of
 * a PassRole) and which SDK clients expose it. Only `guardrails impact` reads them, to map a CloudTrail
 * event to the actions it needed, and only for the services whose events it saw: they are 3.8 MB of
 * the 11 MB of service files, and no other command should pay for parsing them (compact-index.ts keeps
 * none). Checked strictly, as service-file.ts checks the rest: every name against IAM's patterns, every
 * list capped; a file that does not fit is a ShapeError, never a partial answer.
 */
import { quoteUntrusted } from '../diagnostics/untrusted.js';
import { compareNames } from './compact-index.js';
import { ACTION_NAME, isValidServiceName, ShapeError } from './service-file.js';

/** Bump when the layout changes. */
export const COMPACT_OPERATIONS_FORMAT = 1;

/** [service, action] or [service, action, the service principals an iam:PassRole passes to] */
export type CompactAuthorizedAction = [string, string] | [string, string, string[]];
/** [name, authorized actions, SDK client names] */
export type CompactOperation = [string, CompactAuthorizedAction[], string[]];
/** A service's operations and the names of its actions (a service without operations is mapped by action name). */
export interface CompactServiceOperations {
  prefix: string;
  operations: CompactOperation[];
  actions: string[];
}

/**
 * Caps, each far above the 2026 reference (800 operations in ec2, 26 authorized actions in one
 * operation, 5 SDK clients, 4 services a role is passed to) and far below what would exhaust memory.
 */
export const OPERATION_LIMITS = { operations: 10_000, authorizedActions: 256, sdk: 64, passedToService: 64 } as const;

/** A service principal as `iam:PassedToService` names it: `lambda.amazonaws.com`, `assets.marketplace.amazonaws.com`. */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]{0,127}$/;
const PASSED_TO_SERVICE = 'iam:PassedToService';

export interface AuthorizedAction {
  service: string;
  action: string;
  /** `iam:PassedToService` values, for iam:PassRole. */
  passedToService?: string[];
}

export interface Operation {
  /** The operation's service prefix (the file it is listed in). */
  service: string;
  name: string;
  authorizedActions: AuthorizedAction[];
  sdk: string[];
}

/** A service file's `Operations`, checked and compacted; `service` names the file for messages. */
export function checkOperations(raw: unknown, service: string): CompactOperation[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ShapeError(`${service}: "Operations" is not an array`);
  if (raw.length > OPERATION_LIMITS.operations) throw new ShapeError(`${service}: "Operations" lists ${raw.length} operations; at most ${OPERATION_LIMITS.operations} are read`);
  const seen = new Set<string>();
  return raw.map((op: unknown, i): CompactOperation => {
    const where = `${service}: Operations[${i}]`;
    if (!isObject(op)) throw new ShapeError(`${where} is not an object`);
    const name = checkedName(op.Name, `${where}.Name`, ACTION_NAME, 'an operation name');
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new ShapeError(`${where}: operation ${name} is listed twice`);
    seen.add(lower);
    const actions = cappedArray(op.AuthorizedActions ?? [], `${where}.AuthorizedActions`, OPERATION_LIMITS.authorizedActions).map((a, j): CompactAuthorizedAction => {
      const at = `${where}.AuthorizedActions[${j}]`;
      if (!isObject(a)) throw new ShapeError(`${at} is not an object`);
      const actionName = checkedName(a.Name, `${at}.Name`, ACTION_NAME, 'an action name');
      const actionService = checkedService(a.Service, `${at}.Service`);
      if (a.Context === undefined) return [actionService, actionName];
      if (!isObject(a.Context)) throw new ShapeError(`${at}.Context is not an object`);
      // Other context keys are tolerated (AWS adds keys without notice); only this one is read.
      const passed = a.Context[PASSED_TO_SERVICE];
      if (passed === undefined) return [actionService, actionName];
      const principals = cappedArray(passed, `${at}.Context["${PASSED_TO_SERVICE}"]`, OPERATION_LIMITS.passedToService).map((p, k) =>
        checkedName(p, `${at}.Context["${PASSED_TO_SERVICE}"][${k}]`, SERVICE_PRINCIPAL, 'a service principal'),
      );
      return [actionService, actionName, principals];
    });
    const sdk = cappedArray(op.SDK ?? [], `${where}.SDK`, OPERATION_LIMITS.sdk).map((s, j) => {
      if (!isObject(s)) throw new ShapeError(`${where}.SDK[${j}] is not an object`);
      return checkedService(s.Name, `${where}.SDK[${j}].Name`);
    });
    return [name, actions, [...new Set(sdk)]];
  });
}

/**
 * The operations of the services asked for, by prefix. A prefix that was not asked for is a mistake of
 * the caller (it decides which services to load from the traffic), not an unmapped event: it throws.
 */
export class OperationsIndex {
  readonly snapshotId: string;
  private readonly services = new Map<string, { operations: Map<string, Operation>; actions: Map<string, string> }>();
  /** Asked for but not in the snapshot (an event source naming no service): nothing maps there. */
  private readonly missing: Set<string>;

  constructor(snapshotId: string, services: readonly CompactServiceOperations[], missing: Iterable<string> = []) {
    this.snapshotId = snapshotId;
    this.missing = new Set(missing);
    for (const s of services) {
      const operations = new Map<string, Operation>();
      for (const [name, actions, sdk] of s.operations) {
        operations.set(name.toLowerCase(), {
          service: s.prefix,
          name,
          authorizedActions: actions.map(([service, action, passed]) => (passed ? { service, action, passedToService: passed } : { service, action })),
          sdk,
        });
      }
      this.services.set(s.prefix, { operations, actions: new Map(s.actions.map((a) => [a.toLowerCase(), a])) });
    }
  }

  /** The prefixes loaded (in the snapshot), sorted. */
  prefixes(): string[] {
    return [...this.services.keys()].sort(compareNames);
  }

  /** Whether the prefix was loaded or asked for and found missing. */
  covers(prefix: string): boolean {
    return this.services.has(prefix) || this.missing.has(prefix);
  }

  /** Whether the snapshot lists any operation for the prefix. */
  hasOperations(prefix: string): boolean {
    return (this.loaded(prefix)?.operations.size ?? 0) > 0;
  }

  /** The operation of that name (IAM's names are case-insensitive, so are these). */
  operation(prefix: string, name: string): Operation | undefined {
    return this.loaded(prefix)?.operations.get(name.toLowerCase());
  }

  /** The action of that name in the service, as the reference spells it. */
  action(prefix: string, name: string): string | undefined {
    return this.loaded(prefix)?.actions.get(name.toLowerCase());
  }

  /** Operation counts of the loaded services: operations, and those listing authorized actions. */
  counts(): { operations: number; withAuthorizedActions: number } {
    let operations = 0;
    let withAuthorizedActions = 0;
    for (const s of this.services.values()) {
      for (const op of s.operations.values()) {
        operations++;
        if (op.authorizedActions.length > 0) withAuthorizedActions++;
      }
    }
    return { operations, withAuthorizedActions };
  }

  private loaded(prefix: string) {
    const found = this.services.get(prefix);
    if (found === undefined && !this.missing.has(prefix)) throw new Error(`operations of service ${quoteUntrusted(prefix, 80)} were not loaded`);
    return found;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cappedArray(v: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${where} is not an array`);
  if (v.length > max) throw new ShapeError(`${where} has ${v.length} entries; at most ${max} are read`);
  return v;
}

function checkedName(v: unknown, where: string, pattern: RegExp, what: string): string {
  if (typeof v !== 'string') throw new ShapeError(`${where} is ${v === undefined ? 'missing' : v === null ? 'null' : `a ${Array.isArray(v) ? 'list' : typeof v}`}, not a string`);
  if (!pattern.test(v)) throw new ShapeError(`${where} ${quoteUntrusted(JSON.stringify(v), 80)} is not ${what} IAM uses (characters outside its set)`);
  return v;
}

function checkedService(v: unknown, where: string): string {
  const name = checkedName(v, where, /^[a-z0-9][a-z0-9._-]{0,127}$/, 'a service name');
  if (!isValidServiceName(name)) throw new ShapeError(`${where} ${quoteUntrusted(JSON.stringify(name), 80)} is not a service name IAM uses`);
  return name;
}
