/**
 * What every control kind's scenarios are built with: the control, the representative account of its
 * scope and the Region the region-deny controls over it allow, and the ways to add a scenario (deny,
 * allow, let through) with the principals and resources of that account.
 */
import type { ControlPlacement } from '../../compile/index.js';
import type { RequestSpec } from '../../evaluate/index.js';
import { isS3BucketOrObjectArn } from '../../evaluate/index.js';
import type { Control } from '../../intent/index.js';
import type { ActionSet, ReferenceIndex } from '../../reference/index.js';
import { orgIdentity, resourceOrg, withDefaults } from '../from-tests.js';
import { controlsOf, evaluateScenario } from '../run.js';
import type { Scenario } from '../scenario.js';
import type { World } from '../world.js';
import type { InferenceRoutes } from './region-limits.js';
import { OUTSIDE_ACCOUNT, OUTSIDE_ORG, sampleResource } from './samples.js';

export class Generator {
  constructor(
    readonly world: World,
    readonly control: Control,
    readonly account: string,
    private readonly out: Scenario[],
    /** A Region the region-deny controls over the account allow. */
    readonly region: string,
    readonly routes: InferenceRoutes = {},
    readonly unsimulated: string[] = [],
  ) {}

  get ref(): ReferenceIndex {
    return this.world.reference;
  }

  /**
   * `withoutTags`: what the request is untagged, for its variant on a bucket without ABAC. The tags
   * generated scenarios carry only ever open an exception of this control, so by default that is a
   * denial by this control (a perimeter denies the untagged request); a partner-tag-exception written
   * apart from its perimeter restricts tagged resources only, and untagged it decides nothing.
   */
  private add(name: string, request: RequestSpec, expect: Scenario['expect'], withoutTags: Scenario['expect'] = { kind: 'deny', by: this.control.id }): void {
    const withRegion = request.region ? request : { ...request, region: this.region };
    const r = withRegion.resource;
    if (r.tags && r.bucketAbac === undefined && isS3BucketOrObjectArn(r.arn)) {
      // A bucket's tags count only with ABAC enabled on it (resourceTagsApply): both states.
      this.push(`${name} (bucket ABAC enabled)`, { ...withRegion, resource: { ...r, bucketAbac: true } }, expect);
      this.push(`${name}, but bucket ABAC is disabled, so its tags do not count`, { ...withRegion, resource: { ...r, bucketAbac: false } }, withoutTags);
      return;
    }
    this.push(name, withRegion, expect);
  }

  private push(name: string, request: RequestSpec, expect: Scenario['expect']): void {
    const scenario: Scenario = { name: `${this.control.id}: ${name}`, origin: 'generated', control: this.control.id, request: withDefaults(request, this.world), expect };
    if (expect.kind === 'allow') {
      // A full allow is only claimed when no other control of the intent denies the request: another
      // correct control (IMDSv2 on the sample action, say) must not turn this one's scenario red.
      // When only others deny it, the scenario claims what this control decides: not denied by it.
      const others = [...new Set(evaluateScenario(this.world, scenario).denies.flatMap(controlsOf))];
      if (others.length && !others.includes(this.control.id)) {
        scenario.name += ` as far as ${this.control.id} goes (${others.join(', ')} ${others.length > 1 ? 'deny' : 'denies'} it)`;
        scenario.expect = { kind: 'not-denied-by', control: this.control.id };
      }
    }
    this.out.push(scenario);
  }

  /** The whole question must say allow: no guardrail at any level denies it. */
  allow(name: string, request: RequestSpec): void {
    this.add(name, request, { kind: 'allow' });
  }

  deny(name: string, request: RequestSpec, options: { withoutTags?: Scenario['expect'] } = {}): void {
    this.add(name, request, { kind: 'deny', by: this.control.id }, options.withoutTags);
  }

  letThrough(name: string, request: RequestSpec, options: { withoutTags?: Scenario['expect'] } = {}): void {
    this.add(name, request, { kind: 'not-denied-by', control: this.control.id }, options.withoutTags);
  }

  /** The scenario's expectation when this control does not decide the request. */
  get notDecided(): Scenario['expect'] {
    return { kind: 'not-denied-by', control: this.control.id };
  }

  /** A role of an account; in the organization it carries the org id and path. */
  principal(account: string, role = 'app', extra: Partial<RequestSpec['principal']> = {}): RequestSpec['principal'] {
    return { id: `arn:aws:iam::${account}:role/${role}`, account, ...orgIdentity(this.world, account), ...extra };
  }

  outsider(extra: Partial<RequestSpec['principal']> = {}): RequestSpec['principal'] {
    return { id: `arn:aws:iam::${OUTSIDE_ACCOUNT}:role/outsider`, account: OUTSIDE_ACCOUNT, orgId: OUTSIDE_ORG, ...extra };
  }

  resource(action: string, account = this.account, extra: Partial<RequestSpec['resource']> = {}): RequestSpec['resource'] {
    const service = action.slice(0, action.indexOf(':'));
    return { arn: sampleResource(service, account, this.region), account, ...resourceOrg(this.world, account), ...extra };
  }

  statementSet(p: ControlPlacement, role: string): ActionSet | undefined {
    const s = p.statements.find((x) => x.draft.role === role);
    return s?.actions?.set;
  }
}
