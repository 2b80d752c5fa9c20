/** Regions and Bedrock model ids are checked against dated lists: typos are caught, ids newer than the list only warned about. */
import { describe, expect, it } from 'vitest';
import geographies from '../../src/controls/inference-profile-geographies.json' with { type: 'json' };
import { INFERENCE_PROFILE_PREFIXES, modelIdShape } from '../../src/reference/bedrock-models.js';
import { regionInfo } from '../../src/reference/regions.js';
import { tempDir } from '../support/temp.js';
import { validateText } from '../support/intent.js';

const HEAD = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Prod:
        accounts: ["222222222222"]
waves:
  - { name: all, targets: [Root] }
controls:
`;

async function diagnosticsOf(controls: string) {
  const { diagnostics } = await validateText(HEAD + controls, await tempDir());
  return diagnostics.map((d) => ({ severity: d.severity, code: d.code, line: d.location?.line, message: d.message, hint: d.hint }));
}

describe('Regions', () => {
  it('knows opt-in, GovCloud, China and sovereign Regions', () => {
    expect(regionInfo('ap-southeast-7')).toMatchObject({ partition: 'aws', optIn: true });
    expect(regionInfo('us-east-1')).toMatchObject({ partition: 'aws', optIn: false });
    expect(regionInfo('us-gov-west-1')?.partition).toBe('aws-us-gov');
    expect(regionInfo('cn-northwest-1')?.partition).toBe('aws-cn');
    expect(regionInfo('eusc-de-east-1')?.partition).toBe('aws-eusc');
    expect(regionInfo('eu-centrl-1')).toBeUndefined();
  });

  it('a misspelled allowed Region is an error with the Region meant', async () => {
    const d = await diagnosticsOf('  eu: { kind: region-deny, allowedRegions: [eu-west-1, eu-centrl-1], attach: [Root] }\n');
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'unknown-region', hint: expect.stringMatching(/^did you mean 'eu-central-1'/) })]);
  });

  it('a Region in a test resource ARN is checked too', async () => {
    const d = await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-west-1], attach: [Root] }
tests:
  - name: queue in Frankfurt
    request: { principal: "arn:aws:iam::222222222222:role/dev", action: sqs:SendMessage, resource: "arn:aws:sqs:eu-cental-1:222222222222:q" }
    expect: deny
`);
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'unknown-region', hint: expect.stringMatching(/^did you mean 'eu-central-1'/) })]);
  });
});

describe('Regions in conditions and resource ARNs', () => {
  it('aws:RequestedRegion values of a deny-actions control: a typo and a pattern that matches nothing are errors', async () => {
    const d = await diagnosticsOf(`  no-ec2:
    kind: deny-actions
    actions: [ec2:RunInstances]
    conditions: { StringNotLike: { aws:RequestedRegion: [eu-*, us-eats-1, ap-sotheast-*] } }
    attach: [Root]
`);
    expect(d.map((x) => `${x.severity} ${x.code} ${x.hint}`)).toEqual([
      expect.stringMatching(/^error unknown-region did you mean 'us-east-1'/),
      expect.stringMatching(/^error unknown-region did you mean/),
    ]);
  });

  it('the Region of a custom statement\'s Resource ARN', async () => {
    const d = await diagnosticsOf(`  c:
    kind: custom
    type: scp
    statements:
      - { Effect: Deny, Action: "sqs:DeleteQueue", Resource: "arn:aws:sqs:eu-wset-1:*:*" }
    attach: [Root]
`);
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'unknown-region', line: 17 })]);
  });

  it('a policy variable in a custom statement\'s Resource is not a Region to check', async () => {
    expect(await diagnosticsOf(`  c:
    kind: custom
    type: scp
    statements:
      - { Effect: Deny, Action: "sqs:DeleteQueue", Resource: "arn:aws:sqs:\${aws:RequestedRegion}:*:*" }
    attach: [Root]
`)).toEqual([]);
  });

  it('known Regions and patterns that match some pass', async () => {
    expect(await diagnosticsOf(`  no-ec2:
    kind: deny-actions
    actions: [ec2:RunInstances]
    resources: ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-gov-west-1:*:instance/*"]
    conditions: { StringNotLike: { aws:RequestedRegion: [eu-*, cn-north-1, "ap-southeast-?"] } }
    attach: [Root]
`)).toEqual([]);
  });
});

describe('Bedrock model ids', () => {
  it('reads model ids and profile ids by their documented shape', () => {
    expect(modelIdShape('anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual({ kind: 'model', id: 'anthropic.claude-3-5-sonnet-20240620-v1:0' });
    expect(modelIdShape('amazon.nova-lite-v1:0:300k').kind).toBe('model');
    expect(modelIdShape('meta.llama3-1-70b-instruct-v1:0').kind).toBe('model');
    expect(modelIdShape('eu.anthropic.claude-3-haiku-20240307-v1:0')).toEqual({ kind: 'profile', prefix: 'eu', model: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(modelIdShape('us-gov.anthropic.claude-3-haiku-20240307-v1:0').kind).toBe('profile');
    expect(modelIdShape('ca.anthropic.claude-3-haiku-20240307-v1:0')).toMatchObject({ kind: 'profile', prefix: 'ca' });
    expect(modelIdShape('qwen.qwen3.5-32b-v1:0').kind).toBe('model');
    expect(modelIdShape('anthropic-claude-3-haiku').kind).toBe('malformed');
    expect(modelIdShape('Anthropic.Claude-3-haiku').kind).toBe('malformed');
  });

  it('knows the same profile prefixes as the geographies a region-deny routes by', () => {
    expect([...INFERENCE_PROFILE_PREFIXES].sort()).toEqual(Object.keys(geographies.geographies).sort());
  });

  it('a known model compiles without a word', async () => {
    expect(await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [anthropic.claude-3-5-sonnet-20240620-v1:0, amazon.titan-text-express-v1], inferenceProfiles: [eu.amazon.nova-pro-v1:0], attach: [Root] }\n')).toEqual([]);
  });

  it('an unknown id of the right shape is a warning with the closest known ids', async () => {
    const d = await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [anthropic.claude-3-5-sonet-20240620-v1:0], attach: [Root] }\n');
    expect(d).toEqual([expect.objectContaining({ severity: 'warning', code: 'unknown-model-id', hint: expect.stringContaining("'anthropic.claude-3-5-sonnet-20240620-v1:0'") })]);
  });

  it('an unknown model behind a profile prefix is a warning suggesting the prefixed id', async () => {
    const d = await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [amazon.nova-pro-v1:0], inferenceProfiles: [eu.amazon.nova-pro-v2:0], attach: [Root] }\n');
    expect(d).toEqual([expect.objectContaining({ severity: 'warning', code: 'unknown-model-id', hint: expect.stringContaining("'eu.amazon.nova-pro-v1:0'") })]);
  });

  it('a profile id in models, an ARN in models and a model id in inferenceProfiles are errors', async () => {
    const d = await diagnosticsOf(
      '  m: { kind: bedrock-model-allowlist, models: [us.amazon.nova-pro-v1:0, "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"], inferenceProfiles: [amazon.nova-lite-v1:0], attach: [Root] }\n',
    );
    expect(d.map((x) => `${x.severity} ${x.code}`)).toEqual(['error bad-model-id', 'error bad-model-id', 'error bad-inference-profile-id']);
  });

  it('mantleModels: a malformed id is an error, an unknown id and a pattern that matches no known id are warnings with did-you-mean', async () => {
    const d = await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [amazon.nova-pro-v1:0], mantleModels: ["openai.gpt-oss-120bb", "opnai.gpt-oss-*", "gpt oss", us.openai.gpt-oss-120b-1:0], attach: [Root] }\n');
    expect(d.map((x) => `${x.severity} ${x.code}: ${x.message}`)).toEqual([
      expect.stringMatching(/^warning unknown-model-id: control m: mantleModels "openai\.gpt-oss-120bb" is not in the model ids known to/),
      expect.stringMatching(/^warning unknown-model-id: control m: mantleModels "opnai\.gpt-oss-\*" matches none of the model ids known to/),
      expect.stringMatching(/^error bad-model-id: control m: mantleModels "gpt oss" is not a Bedrock model id/),
      expect.stringMatching(/^error bad-model-id: control m: mantleModels "us\.openai\.gpt-oss-120b-1:0" is an inference profile id/),
    ]);
    expect(d[0]!.hint).toMatch(/^did you mean 'openai\.gpt-oss-120b'/);
    // Suggestions are in Mantle's form, without the version suffix.
    expect(d[0]!.hint).not.toContain(':0');
    expect(d[1]!.hint).toBe("did you mean 'openai.gpt-oss-*'?");
    expect(d[1]!.message).toContain('matches none of the model ids known to');
  });

  it('mantleModels: known ids with or without their version suffix, and patterns that match one, are silent', async () => {
    expect(await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [amazon.nova-pro-v1:0], mantleModels: [openai.gpt-oss-120b, openai.gpt-oss-20b-1:0, "openai.gpt-oss-*"], attach: [Root] }\n')).toEqual([]);
  });

  it('profile patterns are checked for their shape, not looked up', async () => {
    expect(await diagnosticsOf('  m: { kind: bedrock-model-allowlist, models: [amazon.nova-pro-v1:0], inferenceProfiles: ["arn:aws:bedrock:*:*:inference-profile/us.anthropic.*"], attach: [Root] }\n')).toEqual([]);
  });
});
