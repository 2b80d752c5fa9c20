/**
 * The S3 source against the real moto server: a delivery layout uploaded through @aws-sdk/client-s3,
 * listed for a window exactly (days, +1 day, digests and other days left out), paged with a small
 * MaxKeys, and fetched with a size cap.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fetchLogObject, listLogObjects, logObjects, parseS3Url, s3ClientFromEnv, S3SourceError, windowDays } from '../../../src/impact/sources/s3.js';
import { startMoto, type Moto } from '../../support/moto.js';

const BUCKET = 'org-trail-logs';
const ORG = 'trail/AWSLogs/o-exampleorg1';
const WINDOW = { since: new Date('2026-10-07T06:00:00Z'), until: new Date('2026-10-08T12:00:00Z') };

let moto: Moto;
let client: ReturnType<typeof s3ClientFromEnv>;
const inWindow: string[] = [];
const file = (account: string, region: string, day: string, name: string) => `${ORG}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${day.replaceAll('/', '')}T0000Z_${name}.json.gz`;

beforeAll(async () => {
  moto = await startMoto();
  // The endpoint is set here only: the source reads it from the env it is given.
  client = s3ClientFromEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: moto.endpoint }, { forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const keys: string[] = [];
  for (const account of ['111111111111', '222222222222'])
    for (const region of ['us-east-1', 'eu-west-1'])
      for (const day of ['2026/10/06', '2026/10/07', '2026/10/08', '2026/10/09', '2026/10/10']) {
        const key = file(account, region, day, 'a');
        keys.push(key);
        if (day >= '2026/10/07' && day <= '2026/10/09') inWindow.push(key);
      }
  // One busy day folder: 40 objects, listed over several pages.
  for (let i = 0; i < 40; i++) {
    const key = file('111111111111', 'us-east-1', '2026/10/08', `busy${String(i).padStart(2, '0')}`);
    keys.push(key);
    inWindow.push(key);
  }
  keys.push(`${ORG}/111111111111/CloudTrail-Digest/us-east-1/2026/10/07/111111111111_CloudTrail-Digest_us-east-1_x.json.gz`);
  keys.push(`${ORG}/111111111111/CloudTrail/us-east-1/2026/10/07/not-a-log.txt`);
  await Promise.all(keys.map((key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(`bytes of ${key}`) }))));
  inWindow.sort();
});
afterAll(() => moto?.stop());

test('lists exactly the window\'s log objects, from any of the three prefixes', async () => {
  for (const prefix of ['trail/', 'trail/AWSLogs/', 'trail/AWSLogs/o-exampleorg1/']) {
    const objects = await listLogObjects({ client, bucket: BUCKET, prefix, ...WINDOW, maxKeys: 7, concurrency: 3 });
    expect(objects.map((o) => o.key)).toEqual(inWindow);
  }
});

test('pages past MaxKeys and keeps only the accounts asked for', async () => {
  const objects = await listLogObjects({ client, bucket: BUCKET, prefix: 'trail/', ...WINDOW, maxKeys: 3, accounts: ['111111111111'] });
  expect(objects.map((o) => o.key)).toEqual(inWindow.filter((k) => k.includes('/111111111111/')));
  expect(objects.filter((o) => o.key.includes('busy'))).toHaveLength(40);
  expect(objects[0]!.size).toBe(Buffer.byteLength(`bytes of ${objects[0]!.key}`));
});

test('fetches bytes, in key order, and refuses an object over the cap', async () => {
  const fetched: string[] = [];
  for await (const { key, bytes } of logObjects({ client, bucket: BUCKET, prefix: 'trail/', ...WINDOW, accounts: ['222222222222'], concurrency: 2 })) {
    expect(Buffer.from(bytes).toString()).toBe(`bytes of ${key}`);
    fetched.push(key);
  }
  expect(fetched).toEqual(inWindow.filter((k) => k.includes('/222222222222/')));
  const key = inWindow[0]!;
  await expect(fetchLogObject({ client, bucket: BUCKET, key, maxBytes: 10 })).rejects.toThrow(S3SourceError);
  await expect(fetchLogObject({ client, bucket: BUCKET, key, maxBytes: 10 })).rejects.toThrow(/is larger than 10 bytes/);
});

test('s3 URLs and window days', () => {
  expect(parseS3Url('s3://org-trail-logs')).toEqual({ bucket: 'org-trail-logs', prefix: '' });
  expect(parseS3Url('s3://org-trail-logs/trail/AWSLogs/')).toEqual({ bucket: 'org-trail-logs', prefix: 'trail/AWSLogs/' });
  for (const bad of ['https://x/y', 's3://UPPER/x', 's3://b/../x', 's3://bucket/a//b']) expect(() => parseS3Url(bad)).toThrow(S3SourceError);
  expect(windowDays(WINDOW.since, WINDOW.until)).toEqual(['2026/10/07/', '2026/10/08/', '2026/10/09/']);
});

test('a body that grows past the cap without a length is cut off', async () => {
  const { Readable } = await import('node:stream');
  let destroyed = false;
  const body = Readable.from([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)]);
  body.on('close', () => (destroyed = true));
  const stub = { send: async () => ({ Body: body }) };
  await expect(fetchLogObject({ client: stub, bucket: BUCKET, key: 'k.json.gz', maxBytes: 10 })).rejects.toThrow(/is larger than 10 bytes/);
  await new Promise((r) => setImmediate(r));
  expect(destroyed).toBe(true);
  expect(Buffer.from(await fetchLogObject({ client: { send: async () => ({ Body: Readable.from([Buffer.from('abc')]) }) }, bucket: BUCKET, key: 'k', maxBytes: 3 })).toString()).toBe('abc');
});
