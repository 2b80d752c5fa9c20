/**
 * The service namespaces of the reference's resource ARNs (`arn:${Partition}:s3:::${BucketName}` is
 * s3), for telling a Resource that can match nothing. A reference that lists no ARN formats at all
 * (an old or partial one) knows nothing either way: every namespace passes.
 */
import type { ReferenceIndex } from './reference-index.js';

const namespaces = new WeakMap<ReferenceIndex, ReadonlySet<string>>();

export function knownArnService(ref: ReferenceIndex): (service: string) => boolean {
  let known = namespaces.get(ref);
  if (!known) {
    const found = new Set<string>();
    for (const svc of ref.services) {
      for (const type of svc.resourceTypes.values()) {
        for (const format of type.arnFormats) {
          const service = format.split(':')[2];
          if (service && !service.includes('${')) found.add(service);
        }
      }
    }
    known = found;
    namespaces.set(ref, known);
  }
  const set = known;
  return (service) => set.size === 0 || set.has(service);
}
