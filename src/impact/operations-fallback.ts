/**
 * STAND-IN, REPLACED AT MERGE by operations.ts (`mapEvent`, built from the reference's operations by
 * the i18-reduce branch): an event maps to the same-named action of the IAM prefix its eventSource's
 * host names (`s3.amazonaws.com` + `GetObject` -> `s3:GetObject`), when the reference has that action.
 * No exception table, no API-version suffixes, no conditional actions: what it cannot map is reported
 * as unmapped, never dropped.
 */
import type { ReferenceIndex } from '../reference/index.js';
import type { EventActions, ShapeRow } from './types.js';

export function sameNamedActions(reference: ReferenceIndex): (row: ShapeRow) => EventActions | undefined {
  return (row) => {
    const host = row.eventSource.endsWith('.amazonaws.com') ? row.eventSource.slice(0, -'.amazonaws.com'.length) : undefined;
    if (!host || !/^[a-z0-9-]+$/.test(host) || !/^[A-Za-z0-9]+$/.test(row.eventName)) return undefined;
    const action = reference.action(`${host}:${row.eventName}`);
    return action ? { required: [action.qualified], conditional: [], approximate: false, byName: true } : undefined;
  };
}
