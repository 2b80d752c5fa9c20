/**
 * Which fields of a record the shapes keep: only what a policy before or after the change can read.
 * Two requests that differ in a field no policy reads are decided alike, so they are one shape; a
 * field a policy reads must be kept, or requests it tells apart would be merged and decided as one.
 */
import { clauseKeys } from '../evaluate/index.js';
import type { Deployment } from '../plan/deployment.js';
import type { Statement } from '../policy/index.js';
import { statementsOf } from '../semantic-diff/index.js';
import type { Projection } from './types.js';

/** What keeps nothing optional: no policy reads any of these fields. */
export const NOTHING_PROJECTED: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: false, mfa: false, objectKeys: false, session: false };

const FIELD_OF_KEY: Readonly<Record<string, keyof Projection>> = {
  'aws:sourceip': 'sourceIp',
  'aws:vpcsourceip': 'sourceIp',
  'aws:sourcevpce': 'vpcEndpoint',
  'aws:vpceaccount': 'vpcEndpoint',
  'aws:vpceorgid': 'vpcEndpoint',
  'aws:vpceorgpaths': 'vpcEndpoint',
  'aws:useragent': 'userAgent',
  'aws:securetransport': 'tlsVersion',
  's3:tlsversion': 'tlsVersion',
  'aws:multifactorauthpresent': 'mfa',
  'aws:userid': 'session',
  'aws:sourceidentity': 'session',
};

/** Keeps every optional field: what a policy that cannot be read might read. */
export const EVERYTHING_PROJECTED: Projection = { sourceIp: true, vpcEndpoint: true, userAgent: true, tlsVersion: true, mfa: true, objectKeys: true, session: true };

/**
 * The projection of a deployment: every SCP and RCP deployed (ours and foreign) and every one compiled,
 * so the policies of both end states. A deployed policy whose text cannot be read may read anything.
 */
export function projectionOfDeployment(d: Deployment): Projection {
  const statements: Statement[] = [];
  for (const p of [...d.deployed, ...d.desired]) {
    const read = statementsOf(p.content);
    if (!read.ok) return { ...EVERYTHING_PROJECTED };
    statements.push(...read.statements);
  }
  return projectionOf(statements);
}

/** The projection of the statements of every policy before and after the change. */
export function projectionOf(statements: Iterable<Statement>): Projection {
  const out: Projection = { ...NOTHING_PROJECTED };
  for (const s of statements) {
    for (const op of Object.keys(s.condition ?? {})) {
      for (const [key, values] of Object.entries(s.condition![op]!)) {
        for (const read of clauseKeys(key, values)) {
          const field = FIELD_OF_KEY[read.toLowerCase()];
          if (field) out[field] = true;
        }
        // A pattern on a role session's ARN (arn:aws:sts::*:assumed-role/ROLE/SESSION) reads the session.
        if (/principalarn|userid/i.test(key) && values.some((v) => v.includes(':assumed-role/'))) out.session = true;
      }
    }
    for (const pattern of [...(s.resource ?? []), ...(s.notResource ?? [])]) if (looksInsideBucket(pattern)) out.objectKeys = true;
  }
  return out;
}

/**
 * An S3 pattern that tells objects of one bucket apart: `arn:aws:s3:::bucket/logs/*` does, while
 * `arn:aws:s3:::bucket/*` and `arn:aws:s3:::*` do not (every object of a bucket matches them alike).
 */
function looksInsideBucket(pattern: string): boolean {
  const m = /^arn:[^:]*:s3:::([^/]*)\/(.*)$/.exec(pattern);
  return m !== null && m[2] !== '*' && m[2] !== '';
}
