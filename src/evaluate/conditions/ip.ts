/**
 * IpAddress, NotIpAddress: IPv4 and IPv6 addresses and CIDR ranges. A policy value that is not an
 * address or a range (`10.0.0.0/8/9`, `10.0.0.0/33`) cannot be evaluated; neither can a request value
 * that is not an address: both are errors, never a match or a non-match (fail closed).
 */
import { conditionValueProblem, parseIpRange, type IpRange } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

function inRange(ip: IpRange, range: IpRange): boolean {
  if (ip.version !== range.version) return false;
  const width = range.version === 4 ? 32 : 128;
  const shift = BigInt(width - range.prefix);
  return ip.bits >> shift === range.bits >> shift;
}

export const ipFamily: OperatorFamily<IpRange> = {
  parse(value) {
    const r = parseIpRange(value);
    if (!r) throw new EvaluationError(conditionValueProblem('IpAddress', value)!);
    return r;
  },
  matches(_base, v, p) {
    const ip = parseIpRange(v);
    if (!ip || ip.prefix !== (ip.version === 4 ? 32 : 128)) throw new EvaluationError(`the request value "${v}" is not an IP address`);
    return inRange(ip, p);
  },
};
