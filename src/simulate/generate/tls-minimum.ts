/** tls-minimum: requests without TLS, or under the minimum version for S3, are denied. */
import { tlsVersion, type TlsMinimumControl } from '../../intent/index.js';
import type { Generator } from './generator.js';
import { sampleActions } from './samples.js';

export function tlsMinimumScenarios(gen: Generator, c: TlsMinimumControl): void {
  const type = c.type ?? 'rcp';
  const services = c.services ?? ['s3', 'sqs', 'kms', 'secretsmanager', 'sts'];
  for (const service of services) {
    const svc = gen.ref.service(service);
    if (!svc) continue;
    const [action] = sampleActions(gen.ref, gen.ref.serviceActions(svc));
    if (!action) continue;
    const principal = type === 'rcp' ? gen.outsider() : gen.principal(gen.account);
    const who = type === 'rcp' ? gen.principal(gen.account) : principal;
    gen.deny(`${action} without TLS is denied`, { principal: who, action, resource: gen.resource(action), context: { 'aws:SecureTransport': false } });
    gen.letThrough(`${action} over TLS is let through`, { principal: who, action, resource: gen.resource(action), context: { 'aws:SecureTransport': true } });
  }
  const min = tlsVersion(c.minVersion);
  if (min && min !== '1.0' && services.includes('s3')) {
    const below = (Number(min) - 0.1).toFixed(1);
    const who = gen.principal(gen.account);
    gen.deny(`S3 over TLS ${below} (below ${min}) is denied`, { principal: who, action: 's3:GetObject', resource: gen.resource('s3:GetObject'), context: { 's3:TlsVersion': below } });
    gen.allow(`S3 over TLS ${min} is allowed`, { principal: who, action: 's3:GetObject', resource: gen.resource('s3:GetObject'), context: { 's3:TlsVersion': min } });
  }
}
