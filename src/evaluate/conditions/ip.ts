/**
 * IpAddress, NotIpAddress: IPv4 and IPv6 addresses and CIDR ranges. A policy value that is not an
 * address or a range (`10.0.0.0/8/9`, `10.0.0.0/33`) cannot be evaluated; neither can a request value
 * that is not an address: both are errors, never a match or a non-match (fail closed).
 */
import { isIP } from 'node:net';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

interface Range {
  version: 4 | 6;
  bits: bigint;
  prefix: number;
}

function toBigInt(address: string, version: 4 | 6): bigint {
  if (version === 4) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  let text = address;
  // An IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = toBigInt(v4[1]!, 4);
    text = text.slice(0, -v4[1]!.length) + `${((n >> 16n) & 0xffffn).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address (a full-length range) or `address/prefix`, exactly one slash and a decimal prefix in range. */
export function parseRange(value: string): Range | undefined {
  const parts = value.trim().split('/');
  if (parts.length > 2) return undefined;
  const [address, prefixText] = parts;
  const version = isIP(address ?? '');
  if (version !== 4 && version !== 6) return undefined;
  const width = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return undefined;
  return { version, bits: toBigInt(address!, version), prefix };
}

function inRange(ip: Range, range: Range): boolean {
  if (ip.version !== range.version) return false;
  const width = range.version === 4 ? 32 : 128;
  const shift = BigInt(width - range.prefix);
  return ip.bits >> shift === range.bits >> shift;
}

export const ipFamily: OperatorFamily<Range> = {
  parse(value) {
    const r = parseRange(value);
    if (!r) throw new EvaluationError(`"${value}" is not an IP address or CIDR range`);
    return r;
  },
  matches(_base, v, p) {
    const ip = parseRange(v);
    if (!ip || ip.prefix !== (ip.version === 4 ? 32 : 128)) throw new EvaluationError(`the request value "${v}" is not an IP address`);
    return inRange(ip, p);
  },
};
