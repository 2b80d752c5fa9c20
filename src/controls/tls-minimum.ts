/**
 * TLS minimum (modeled on AWS's RCP examples): deny requests that do not use TLS
 * (aws:SecureTransport false) on the listed services, and S3 requests below the minimum TLS version
 * (NumericLessThan s3:TlsVersion). RCP by default; the SCP form applies the same to the organization's
 * own principals.
 */
import { tlsVersion, type TlsMinimumControl } from '../intent/index.js';
import { sidFor } from './common.js';
import type { ControlBuilder, StatementDraft } from './draft.js';

/** AWS's example list (orgsdocs_rcp_enforce_secure_transport.json) when the intent names none. */
export const DEFAULT_TLS_SERVICES = ['s3', 'sqs', 'kms', 'secretsmanager', 'sts'];

export const tlsMinimum: ControlBuilder<TlsMinimumControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const type = c.type ?? 'rcp';
  const services = c.services ?? DEFAULT_TLS_SERVICES;
  const where = c.services ? (i: number) => sources.locate(c.services as object, i) : () => sources.locate(c as object);
  const principal = type === 'rcp' ? { principal: '*' as const } : {};
  const skip = c.skipUnsupportedServices === true ? { skipUnsupportedServices: true } : {};
  const drafts: StatementDraft[] = [
    {
      control: c,
      role: 'secure-transport',
      sid: sidFor(c, 'secure-transport'),
      type,
      effect: 'Deny',
      ...principal,
      actions: { patterns: services.map((s) => `${s}:*`), locations: services.map((_, i) => where(i)), generated: !c.services },
      resources: ['*'],
      condition: { BoolIfExists: { 'aws:SecureTransport': ['false'] } },
      location: sources.locate(c as object),
      summary: `requests without TLS to ${services.join(', ')} are denied`,
      ...skip,
    },
  ];
  const version = tlsVersion(c.minVersion);
  // TLS 1.0 is the floor of every AWS endpoint: a minimum of 1.0 adds no S3 statement.
  if (version && version !== '1.0' && services.some((s) => s.toLowerCase() === 's3')) {
    drafts.push({
      control: c,
      role: 's3-tls-version',
      sid: sidFor(c, 's3-tls-version'),
      type,
      effect: 'Deny',
      ...principal,
      actions: { patterns: ['s3:*'], locations: [sources.locate(c as object, 'minVersion')], generated: true },
      resources: ['*'],
      condition: { NumericLessThan: { 's3:TlsVersion': [version] } },
      location: sources.locate(c as object, 'minVersion'),
      summary: `S3 requests below TLS ${version} are denied`,
    });
  }
  return drafts;
};
