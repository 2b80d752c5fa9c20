/** The control library: one builder per kind. */
import type { Control } from '../intent/index.js';
import { bedrockModelAllowlist } from './bedrock-model-allowlist.js';
import { custom } from './custom.js';
import { denyActions } from './deny-actions.js';
import type { ControlBuilder, ControlContext, StatementDraft } from './draft.js';
import { identityPerimeter } from './identity-perimeter.js';
import { importPolicy } from './import.js';
import { partnerTagException } from './partner-tag-exception.js';
import { regionDeny } from './region-deny.js';
import { warnBucketTagConditions } from './s3-bucket-abac.js';
import { tlsMinimum } from './tls-minimum.js';

export * from './draft.js';
export { mantleModelIds, mantleModelKey, modelUsageActions } from './bedrock-model-allowlist.js';
export { mergeConditions } from './common.js';
export { tagScopeServices, taggingActions } from './partner-exception.js';

const BUILDERS: { [K in Control['kind']]: ControlBuilder<Extract<Control, { kind: K }>> } = {
  'identity-perimeter': identityPerimeter,
  'partner-tag-exception': partnerTagException,
  'tls-minimum': tlsMinimum,
  'bedrock-model-allowlist': bedrockModelAllowlist,
  'deny-actions': denyActions,
  'region-deny': regionDeny,
  custom,
  import: importPolicy,
};

export function buildControl(control: Control, ctx: ControlContext): StatementDraft[] {
  const builder = BUILDERS[control.kind] as ControlBuilder;
  const drafts = builder(control, ctx);
  warnBucketTagConditions(drafts, ctx);
  return drafts;
}
