/** BinaryEquals: base64 values compared byte for byte. */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const binaryFamily: OperatorFamily<string> = {
  parse(value) {
    const v = value.trim();
    if (!BASE64.test(v) || v.length % 4 !== 0) throw new EvaluationError(`"${value}" is not base64`);
    return Buffer.from(v, 'base64').toString('hex');
  },
  matches: (_base, v, p) => BASE64.test(v.trim()) && Buffer.from(v.trim(), 'base64').toString('hex') === p,
};
