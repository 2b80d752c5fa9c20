/**
 * The intent after loading and validation: the schema (intent.schema.json) is the contract, these
 * types mirror it. Objects keep their identity from the YAML loader, so `intent.sources` can locate any
 * of them in the files they came from.
 */
import type { OrgTree } from '../model/org-tree.js';
import type { SourceIndex } from '../diagnostics/source-index.js';

import type { PolicyType } from '../policy/model.js';

export type { PolicyType };
/**
 * How far compile may minimize (see src/compile/minimize/levels.ts). `compact`, the former default,
 * means `readable` now: intents written for it keep working and get the levelled behaviour.
 */
export type WildcardMode = 'readable' | 'exact' | 'compact' | 'aggressive';
export type SidMode = 'keep' | 'drop' | 'auto';

export interface Tag {
  key: string;
  value: string;
}

export type ConditionBlock = Record<string, Record<string, string | number | boolean | (string | number | boolean)[]>>;

export interface RawStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: ConditionBlock;
}

interface ControlBase {
  /** The key under `controls:`. */
  id: string;
  /** The intent file that declares it (relative paths in its parameters resolve against it). */
  intentFile: string;
  description?: string;
  attach: string[];
  exclude?: string[];
  enabled?: boolean;
  wildcards?: WildcardMode;
  type?: PolicyType;
  /**
   * RCP statements skip services that RCPs do not support, with a warning, instead of failing
   * (the schema allows it on the kinds that can emit an RCP).
   */
  skipUnsupportedServices?: boolean;
}

/**
 * How an exception tag is protected beyond requests that carry its key in aws:TagKeys: the tagging
 * actions that cannot be constrained by tag key are denied to all but the admin roles, unless the
 * exception opts out (true: every such action; a list: the actions named).
 */
export interface TagProtection {
  adminRoles?: string[];
  allowUnconstrainedTagging?: boolean | string[];
}

export interface PartnerException extends TagProtection {
  tag: Tag;
  accounts: string[];
  services?: string[];
  actions?: string[];
}

/** Resources carrying this tag are outside the perimeter; the tag is protected like a partner tag. */
export interface ResourceTagException extends Tag, TagProtection {}

export interface IdentityPerimeterControl extends ControlBase {
  kind: 'identity-perimeter';
  services?: string[];
  actions?: string[];
  orgPaths?: string[];
  trustedAccounts?: string[];
  allowServicePrincipals?: boolean;
  confusedDeputy?: boolean | { trustedSourceAccounts?: string[] };
  resourceAccountExceptions?: string[];
  resourceTagException?: ResourceTagException;
  partnerExceptions?: PartnerException[];
}

export interface PartnerTagExceptionControl extends ControlBase, PartnerException {
  kind: 'partner-tag-exception';
  adminRoles: string[];
}

export interface TlsMinimumControl extends ControlBase {
  kind: 'tls-minimum';
  minVersion: string | number;
  services?: string[];
}

export interface BedrockModelAllowlistControl extends ControlBase {
  kind: 'bedrock-model-allowlist';
  models: string[];
  inferenceProfiles?: string[];
  /** ARN patterns of custom, imported or provisioned models (and profiles, routers) a team approves. */
  approvedModelArns?: string[];
  /** Approved bedrock-mantle:Model values (Mantle's model ids); default: models. */
  mantleModels?: string[];
  marketplace?: { allowProductIds?: string[]; denyProductIds?: string[] };
  exceptPrincipals?: string[];
}

export interface DenyActionsControl extends ControlBase {
  kind: 'deny-actions';
  actions: string[];
  resources?: string[];
  notResources?: string[];
  conditions?: ConditionBlock;
  exceptPrincipals?: string[];
}

export interface RegionDenyControl extends ControlBase {
  kind: 'region-deny';
  allowedRegions: string[];
  /** Prefixes of the cross-Region inference profiles Bedrock inference may use outside allowedRegions. */
  inferenceProfileGeographies?: string[];
  exemptActions?: string[];
  additionalExemptActions?: string[];
  exceptPrincipals?: string[];
}

export interface CustomControl extends ControlBase {
  kind: 'custom';
  statements?: RawStatement[];
  template?: string;
  parameters?: Record<string, unknown>;
}

export interface ImportControl extends ControlBase {
  kind: 'import';
  /** Path of the imported file as written, relative to the intent file. */
  file: string;
  format?: 'auto' | 'iam' | 'preprocessor';
}

export type Control =
  | IdentityPerimeterControl
  | PartnerTagExceptionControl
  | TlsMinimumControl
  | BedrockModelAllowlistControl
  | DenyActionsControl
  | RegionDenyControl
  | CustomControl
  | ImportControl;

export type ControlKind = Control['kind'];

export interface Wave {
  name: string;
  description?: string;
  targets: string[];
  /** How long to watch this wave before the next, instead of rollout.bake (parsed by the loader). */
  bake?: Duration;
}

/** A duration as written (`30m`, `1h30m`, `0`) and what it amounts to. */
export interface Duration {
  text: string;
  seconds: number;
}

/** A principal that must keep working at the end of every wave of a rollout (the lockout guard). */
export interface ProtectRule {
  /** An IAM principal ARN; `*` as the account means the principal of that name in every member account. */
  principal: string;
  /** Action patterns it must stay allowed; the documented default set when the intent names none. */
  actions: string[];
  /** Whether `actions` is the default set (the intent named none). */
  defaultActions: boolean;
}

/** A principal IAM simulates during a wave's bake (health signals). */
export interface Canary {
  wave: string;
  principal: string;
  /** A role to assume to call IAM in the canary's account. */
  assumeRole?: string;
  mustStillWork: string[];
}

export interface RolloutSettings {
  /** Bake between waves; undefined: the rollout's own default. */
  bake?: Duration;
  protect: ProtectRule[];
  /** Whether `protect` is the default list (the intent names none). */
  protectDefaults: boolean;
  canaries: Canary[];
}

export interface TestRequest {
  principal: string;
  principalAccount?: string;
  principalOrgId?: string;
  principalOrgPaths?: string[];
  principalTags?: Record<string, string>;
  principalIsAwsService?: boolean;
  serviceLinkedRole?: boolean;
  action: string;
  resource?: string;
  resourceAccount?: string;
  resourceTags?: Record<string, string>;
  /** An AWS managed KMS key (alias/aws/...): RCPs do not apply to it. */
  awsManagedKmsKey?: boolean;
  /** ABAC enabled on the S3 bucket (default false, as in AWS): only then do its tags reach aws:ResourceTag. */
  bucketAbac?: boolean;
  region?: string;
  context?: Record<string, string | number | boolean | (string | number | boolean)[]>;
}

/** A generated scenario whose expectation does not hold for this organization, and why. */
export interface ScenarioWaiver {
  /** The scenario's name, as simulate prints it: "<control id>: <what it checks>". */
  scenario: string;
  reason: string;
}

export interface SimulateSettings {
  waive: ScenarioWaiver[];
}

export interface TestCase {
  name: string;
  request: TestRequest;
  expect: 'allow' | 'deny';
  decidedBy?: string;
}

export interface QuotaLimits {
  maxChars?: number;
  maxPerTarget?: number;
}

export type QuotaSetting = string | { profile?: string; scp?: QuotaLimits; rcp?: QuotaLimits };

export interface ForeignPolicy {
  name: string;
  type: PolicyType;
  targets: string[];
}

/**
 * A condition key the service reference does not list yet, used on purpose (AWS documents it, the
 * snapshot predates it). Per key, with the reason reviewers read.
 */
export interface AcceptedConditionKey {
  key: string;
  reason: string;
}

export interface Organization {
  id: string;
  managementAccount: string;
  rootId?: string;
  tree?: Record<string, unknown>;
  /** An org snapshot file the tree is read from, relative to the intent file that declares it. */
  treeFrom?: string;
}

/** Where the tree the intent compiles against comes from: written in the intent, or an org snapshot. */
export type TreeSource = { kind: 'declared' } | { kind: 'snapshot'; /** resolved */ file: string; /** as written in the intent */ written: string; readAt: string };

export interface Intent {
  organization: Organization;
  /** The organization's tree as declared, or undefined when the intent does not declare one. */
  tree: OrgTree | undefined;
  /** Undefined when there is no tree. */
  treeSource?: TreeSource;
  quotas?: QuotaSetting;
  defaults: { wildcards: WildcardMode; sids: SidMode };
  foreignPolicies: ForeignPolicy[];
  /** conditionKeys.accept of every intent file. */
  acceptedConditionKeys: AcceptedConditionKey[];
  controls: Control[];
  /** Later definitions of an id already taken: never compiled, but checked, so every problem shows at once. */
  duplicateControls: Control[];
  waves: Wave[];
  rollout: RolloutSettings;
  tests: TestCase[];
  /** The `simulate:` section. */
  simulate?: SimulateSettings;
  /** Intent files in load order. */
  files: string[];
  /** The working directory the intent was loaded from: with each file, it decides the repository (src/files). */
  workingDirectory: string;
  /** The top-level mapping of each intent document, for locating top-level keys. */
  roots: Record<string, unknown>[];
  sources: SourceIndex;
}
