/** Inputs whose names an attacker controls: an org snapshot and a service-reference mirror. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';

/** What a name may carry: markup that closes or hides, a mention, a link, terminal escapes, a bidi override. */
export const HOSTILE = ' </details><!-- @security-team [x](http://evil.example) \u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J \u202eevil | `tick` \u009b31m';
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

interface Snapshot {
  source: string;
  root: { ous: Ou[] };
  policies: { id: string; name: string; type: string; description: string; awsManaged: boolean; tags: Record<string, string>; content: string; targets: string[] }[];
}
interface Ou {
  name: string;
  ous: Ou[];
  accounts: { name: string }[];
}

/** The example's deployed snapshot with HOSTILE after every OU and account name, a foreign policy's name and the source, and a managed policy of that name to delete. */
export function hostileSnapshot(): Snapshot {
  const s = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'), 'utf8')) as Snapshot;
  const visit = (ou: Ou) => {
    ou.name += HOSTILE;
    for (const a of ou.accounts) a.name += HOSTILE;
    ou.ous.forEach(visit);
  };
  s.root.ous.forEach(visit);
  s.source += HOSTILE;
  for (const p of s.policies) if (!p.awsManaged && !p.name.startsWith('guardrails-')) p.name += HOSTILE;
  s.policies.push({
    id: 'p-00000099',
    name: `guardrails-scp-old${HOSTILE}`,
    type: 'scp',
    description: 'Managed by guardrails (do not edit by hand).',
    awsManaged: false,
    // A control id as the tag records it: the snapshot is untrusted, the tag too (split on spaces and commas).
    tags: { 'guardrails:controls': 'old</details><!--@security-team|`x`', 'managed-by': 'guardrails' },
    content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: `Old${'`'.repeat(4)}`, Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }] }),
    targets: ['ou-ex12-sandbox1'],
  });
  return s;
}

/**
 * What a valid mirror can still put in a name once sync and load check IAM's character sets: a
 * condition key may hold `<name>` (AWS writes `kms:RecipientAttestation:<name>`-like keys), which GitHub
 * would read as an HTML tag.
 */
export const MARKUP_KEY = 's3:x<details>';
/** The action a valid mirror adds: its name cannot carry markup, so renderers get HOSTILE by substitution. */
export const ADDED_ACTION = 'PutObjectHostile';

/**
 * Service-reference mirrors of s3 alone: `older`, `newer` (an action ADDED_ACTION and a condition key
 * MARKUP_KEY added, both valid), and `hostile` (an action named `Put${HOSTILE}`, which load refuses).
 */
export function writeHostileMirrors(dir: string): { older: string; newer: string; hostile: string } {
  const s3 = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 's3', 's3.json'), 'utf8')) as { Actions: { Name: string; ActionConditionKeys?: string[] }[]; ConditionKeys?: { Name: string; Types?: string[] }[] };
  const write = (name: string, file: unknown) => {
    fs.mkdirSync(path.join(dir, name, 'v1', 's3'), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'v1', 's3', 's3.json'), JSON.stringify(file));
    fs.writeFileSync(path.join(dir, name, 'v1', 'service-list.json'), JSON.stringify([{ service: 's3', url: 'https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json' }]));
    return path.join(dir, name);
  };
  const put = s3.Actions.find((a) => a.Name === 'PutObject')!;
  const older = write('older', s3);
  const newer = write('newer', {
    ...s3,
    Actions: [...s3.Actions, { ...put, Name: ADDED_ACTION, ActionConditionKeys: [...(put.ActionConditionKeys ?? []), MARKUP_KEY] }],
    ConditionKeys: [...(s3.ConditionKeys ?? []), { Name: MARKUP_KEY, Types: ['String'] }],
  });
  const hostile = write('hostile', { ...s3, Actions: [...s3.Actions, { ...put, Name: `Put${HOSTILE}` }] });
  return { older, newer, hostile };
}

/** Every string of a value with `from` replaced by `to`: a notify result as if a name could carry anything. */
export function substitute<T>(value: T, from: string, to: string): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll(from, to);
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}

/**
 * What a name may carry against a CI log: GitHub Actions workflow commands (one that stops command
 * processing, which would silence every annotation after it; one that masks text of the log; a fake
 * error) and an Azure Pipelines logging command.
 */
export const WORKFLOW_COMMANDS = '::stop-commands::pwned ##[add-mask]secret ##[error]fake ##vso[task.setvariable variable=x]1';
