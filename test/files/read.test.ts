/**
 * The file gate on its own: what it reads, what it refuses and why, and that it never tells a pull request
 * anything about what lies outside the repository (not even whether a path there exists).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidUtf8, locateFile, readBytes, readBytesSync, readText, readTextSync, type ReadOptions } from '../../src/files/index.js';
import { tempDir } from '../support/temp.js';

let top: string;
let repo: string;
let outside: string;
const opts = (extra: Partial<ReadOptions> = {}): ReadOptions => ({ root: repo, maxBytes: 1024, what: 'file', ...extra });

beforeAll(async () => {
  top = fs.realpathSync(await tempDir());
  repo = path.join(top, 'repo');
  outside = path.join(top, 'outside');
  fs.mkdirSync(path.join(repo, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(repo, 'a.json'), '{"a": 1}');
  fs.writeFileSync(path.join(repo, 'sub', 'b.json'), 'b');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.symlinkSync('../a.json', path.join(repo, 'sub', 'to-a.json'));
  fs.symlinkSync(path.join(repo, 'a.json'), path.join(repo, 'abs-to-a.json'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(repo, 'to-secret'));
  fs.symlinkSync(path.join(outside, 'no-such-file'), path.join(repo, 'to-nothing-outside'));
  fs.symlinkSync('../outside/no-such-file', path.join(repo, 'rel-to-nothing-outside'));
  fs.symlinkSync(path.join(repo, 'no-such-file'), path.join(repo, 'to-nothing-inside'));
  fs.symlinkSync('loop-b', path.join(repo, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(repo, 'loop-b'));
  fs.symlinkSync(outside, path.join(repo, 'outside-dir'));
  fs.writeFileSync(path.join(repo, 'big'), Buffer.alloc(2048, 65));
  fs.writeFileSync(path.join(repo, 'latin1.txt'), Buffer.from([0x61, 0x0a, 0x62, 0x63, 0xe9, 0x64]));
  spawnSync('mkfifo', [path.join(repo, 'fifo')]);
});

describe('the file gate', () => {
  it('reads a regular file inside the repository, through symlinks that stay inside', async () => {
    for (const name of ['a.json', 'sub/to-a.json', 'abs-to-a.json']) {
      const r = await readText(path.join(repo, name), opts());
      expect(r).toMatchObject({ ok: true, real: path.join(repo, 'a.json'), text: '{"a": 1}' });
      expect(readTextSync(path.join(repo, name), opts())).toMatchObject({ ok: true, text: '{"a": 1}' });
    }
  });

  it('refuses a path outside the repository the same way whether or not it exists', async () => {
    const there = await readBytes(path.join(outside, 'secret.txt'), opts());
    const absent = await readBytes(path.join(outside, 'nothing-here'), opts());
    expect(there).toMatchObject({ ok: false, code: 'outside-repository' });
    expect(absent).toMatchObject({ ok: false, code: 'outside-repository' });
    expect(locateFile(path.join(outside, 'nothing-here'), opts())).toMatchObject({ ok: false, code: 'outside-repository' });
  });

  it('refuses a symlink that leads out, also when its target does not exist (no existence probe)', async () => {
    for (const name of ['to-secret', 'to-nothing-outside', 'rel-to-nothing-outside', 'outside-dir/secret.txt', 'outside-dir/nothing']) {
      const r = await readBytes(path.join(repo, name), opts());
      expect(r, name).toMatchObject({ ok: false, code: 'outside-repository' });
      expect(readBytesSync(path.join(repo, name), opts()), name).toMatchObject({ ok: false, code: 'outside-repository' });
      expect((r as { message: string }).message).not.toContain('secret\n');
    }
  });

  it('says a file inside is missing, and a symlink loop is not a file', async () => {
    expect(await readBytes(path.join(repo, 'no-such'), opts())).toMatchObject({ ok: false, code: 'file-not-found' });
    expect(await readBytes(path.join(repo, 'to-nothing-inside'), opts())).toMatchObject({ ok: false, code: 'file-not-found' });
    expect(await readBytes(path.join(repo, 'a.json', 'below-a-file'), opts())).toMatchObject({ ok: false, code: 'file-not-found' });
    expect(await readBytes(path.join(repo, 'loop-a'), opts())).toMatchObject({ ok: false, code: 'not-a-regular-file' });
  });

  it('refuses directories, FIFOs (without blocking) and devices', async () => {
    expect(await readBytes(path.join(repo, 'sub'), opts())).toMatchObject({ ok: false, code: 'not-a-regular-file' });
    expect(await readBytes(path.join(repo, 'fifo'), opts())).toMatchObject({ ok: false, code: 'not-a-regular-file', message: expect.stringContaining('a FIFO') });
    // Named on the command line (no root), a device is still not read.
    expect(await readBytes('/dev/zero', { maxBytes: 1024, what: 'file' })).toMatchObject({ ok: false, code: 'not-a-regular-file', message: expect.stringContaining('a device') });
  });

  it('reads at most maxBytes, also from a file whose size the kernel does not tell (/proc)', async () => {
    expect(await readBytes(path.join(repo, 'big'), opts())).toMatchObject({ ok: false, code: 'file-too-large' });
    expect(await readBytes(path.join(repo, 'big'), opts({ maxBytes: 4096 }))).toMatchObject({ ok: true });
    // /proc/self/status reports size 0 but holds more than 16 bytes.
    expect(await readBytes('/proc/self/status', { maxBytes: 16, what: 'file' })).toMatchObject({ ok: false, code: 'file-too-large' });
  });

  it('decodes UTF-8 strictly and says where the first bad byte is', async () => {
    const r = await readText(path.join(repo, 'latin1.txt'), opts());
    expect(r).toMatchObject({ ok: false, code: 'not-utf8', line: 2, col: 3 });
    expect(decodeUtf8(Buffer.from('h\u00e9llo \u{1F600}'))).toEqual({ ok: true, text: 'h\u00e9llo \u{1F600}' });
    // Overlong, surrogate, truncated and out-of-range sequences are all refused at their first byte.
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      expect(firstInvalidUtf8(Uint8Array.from([0x41, ...bytes])), bytes.join(',')).toBe(1);
    }
  });
});
