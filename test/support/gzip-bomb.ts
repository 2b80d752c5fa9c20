import { gzipSync } from 'node:zlib';

/**
 * `size` bytes of spaces (a whole number of MiB), gzipped to about a thousandth of that: one gzip member
 * of 1 MiB repeated. A gzip stream may hold many members and a reader inflates them all, so this is a
 * bomb like any other, without compressing a gibibyte first (3 s of CPU).
 */
export function gzipBomb(size: number): Buffer {
  const member = gzipSync(Buffer.alloc(1 << 20, 0x20), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(size / (1 << 20)) }, () => member));
}
