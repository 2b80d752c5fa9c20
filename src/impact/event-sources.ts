/**
 * Which IAM service prefixes a CloudTrail eventSource names. For almost every service the host is the
 * prefix (`s3.amazonaws.com` -> `s3`, and SDK clients with other names such as bedrock-runtime sign and
 * log as `bedrock`); event-sources.json lists the hosts that are not, reviewed by hand.
 */
import table from './event-sources.json' with { type: 'json' };

const SUFFIX = '.amazonaws.com';
/** A host as AWS writes them (`s3`, `iot-jobs-data`, `IoTSecuredTunneling`); anything else names no service. */
const HOST = /^[a-z0-9][a-z0-9.-]{0,127}$/;

const EXCEPTIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(table.exceptions).map(([host, e]) => [host, e.prefixes]));

/** The hosts event-sources.json lists, with their prefixes (for tests and documentation). */
export function eventSourceExceptions(): ReadonlyMap<string, readonly string[]> {
  return EXCEPTIONS;
}

/**
 * The IAM prefixes of an eventSource, in the order to look in: `[]` when it names no service (a host
 * the table maps to nothing, or a string that is not an AWS event source at all; records are untrusted).
 */
export function eventSourcePrefixes(eventSource: string): readonly string[] {
  if (eventSource.length > 128 + SUFFIX.length || !eventSource.endsWith(SUFFIX)) return [];
  const host = eventSource.slice(0, -SUFFIX.length).toLowerCase();
  if (!HOST.test(host)) return [];
  return EXCEPTIONS.get(host) ?? [host];
}

/** Every prefix the event sources name, once each: what to load operations for. */
export function prefixesOfEventSources(eventSources: Iterable<string>): string[] {
  const prefixes = new Set<string>();
  for (const source of eventSources) for (const p of eventSourcePrefixes(source)) prefixes.add(p);
  return [...prefixes].sort();
}
