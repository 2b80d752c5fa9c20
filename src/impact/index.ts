/**
 * `guardrails impact`: what the change would have done to the organization's real traffic. The sources
 * reduce CloudTrail records to distinct request shapes (ShapeRow); each shape's actions are decided
 * against the deployed and the compiled policies (decide.ts), compared (compare.ts) and gathered into
 * findings (findings.ts). Decisions are local and cached, so the cost grows with distinct shapes and
 * chains, not with events.
 */
import { warning } from '../diagnostics/index.js';
import type { Deployment } from '../plan/deployment.js';
import { outDigest } from '../plan/plan-file.js';
import type { ReferenceIndex } from '../reference/index.js';
import { compareShape } from './compare.js';
import { shapeRequest } from './context-keys.js';
import { ShapeDecider } from './decide.js';
import { Findings } from './findings.js';
import type { ImpactReport } from './report-types.js';
import type { EventActions, Reduction, ShapeRow } from './types.js';

export * from './report-types.js';
export * from './types.js';
export { projectionOf, projectionOfDeployment, NOTHING_PROJECTED, EVERYTHING_PROJECTED } from './projection.js';
export { shapeRequest, type OrgFacts, type ShapeRequest } from './context-keys.js';
export { ShapeDecider, type Decision } from './decide.js';

export interface ImpactInput {
  deployment: Deployment;
  reference: ReferenceIndex;
  reduction: Reduction;
  /** The IAM actions an event needed (operations.ts); undefined: unmapped, reported per eventSource. */
  eventActions: (row: ShapeRow) => EventActions | undefined;
  window: ImpactReport['window'];
}

export function impact(input: ImpactInput): ImpactReport {
  const { deployment: d, reference, reduction } = input;
  const decider = new ShapeDecider(d, reference);
  const findings = new Findings(d.tree);
  const counts = { unmapped: 0, newlyDenied: 0, mayDeny: 0, newlyAllowed: 0 };
  let dataEvents = false;
  for (const row of reduction.shapes) {
    if (row.eventCategory === 'Data') dataEvents = true;
    const actions = input.eventActions(row);
    const outcomes = actions ? compareShape(decider, reference, row, shapeRequest(row, decider.org), actions) : undefined;
    if (!outcomes) {
      counts.unmapped += row.events;
      findings.addUnmapped(row);
      continue;
    }
    findings.add(row, outcomes);
    // Each event is counted once, under the strongest thing the change does to it.
    const of = new Set(outcomes.map((o) => o.outcome));
    if (of.has('newly-denied')) counts.newlyDenied += row.events;
    else if (of.has('may-deny')) counts.mayDeny += row.events;
    else if (of.has('newly-allowed')) counts.newlyAllowed += row.events;
  }
  const gathered = findings.report();
  const warnings = [];
  if (gathered.unmapped.length) warnings.push(warning('unmapped-events', `${counts.unmapped} events of ${gathered.unmapped.length} event sources map to no action of the reference: they are not decided (listed under "unmapped")`, undefined));
  if (!dataEvents && reduction.shapes.length) warnings.push(warning('no-data-events', 'no data event (S3 object, Lambda invoke, ...) was read: what the change does to data-plane actions is not seen unless the trail records them', undefined, 'add data event selectors to the organization trail'));
  return {
    format: 1,
    window: input.window,
    inputs: { policies: compiledPoliciesDigest(d), orgSnapshot: { source: d.state.source, readAt: d.state.readAt }, reference: reference.snapshotId },
    totals: { ...reduction.totals, shapes: reduction.shapes.length, ...counts, dataEvents },
    ...gathered,
    warnings,
  };
}

/** The digest a report records of the compiled policies it decided against (`diff --impact` compares it). */
export function compiledPoliciesDigest(d: Pick<Deployment, 'desired'>): string {
  return `sha256:${outDigest(d.desired)}`;
}
