/**
 * A commit's intent, as files the compiler can read: `rollout --revert --to GIT_REF` compiles what the
 * repository held at that ref. The ref may come from a pull request or a workflow input, so it is
 * untrusted: it never reaches git as an option, git runs without a shell, and the tree it names is
 * written only below a fresh directory of our own, within a size bound.
 *
 * Blobs are read with `git cat-file --batch`, not `git archive`: archive applies the tree's own
 * .gitattributes (export-subst, export-ignore), which the ref's author controls, and needs tar to
 * unpack paths we would then have to trust. Here every path is checked before it is written.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export type GitRefErrorCode = 'git-missing' | 'not-a-repository' | 'unsafe-ref' | 'unknown-ref' | 'no-intent' | 'ref-too-large' | 'unsafe-tree' | 'git-failed';

export class GitRefError extends Error {
  constructor(
    readonly code: GitRefErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GitRefError';
  }
}

export interface MaterializedRef {
  /** The ref as given. */
  ref: string;
  /** The full commit id it resolved to. */
  commit: string;
  shortCommit: string;
  /** The temporary directory holding the extracted paths, laid out as in the repository (relative to repoDir). */
  dir: string;
  /** The top-level paths asked for that the commit holds. */
  present: string[];
  /** Removes `dir`; safe to call more than once. */
  cleanup(): Promise<void>;
}

export interface MaterializeOptions {
  /** Paths relative to repoDir to extract, when the commit has them (default: guardrails, service-reference-cache). */
  paths?: string[];
  /** Of `paths`, those the commit must have (default: guardrails). */
  required?: string[];
  /** Refused above this many bytes of files in all (default 256 MiB). */
  maxBytes?: number;
  /** Refused above this many files (default 20,000). */
  maxFiles?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_FILES = 20_000;
const MAX_REF_LENGTH = 256;

/**
 * Resolves `ref` in the git repository at `repoDir` and extracts the commit's `paths` (relative to
 * repoDir, which may be a subdirectory of the work tree) into a new temporary directory.
 */
export async function materializeRef(repoDir: string, ref: string, options: MaterializeOptions = {}): Promise<MaterializedRef> {
  const unsafe = unsafeRefReason(ref);
  if (unsafe) throw new GitRefError('unsafe-ref', `the git ref ${JSON.stringify(ref)} is refused: ${unsafe}`);
  const paths = options.paths ?? ['guardrails', 'service-reference-cache'];
  const required = options.required ?? ['guardrails'];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  for (const p of paths) if (!isPlainRelativePath(p)) throw new Error(`materializeRef: ${p} is not a plain relative path`);

  try {
    await git(repoDir, ['rev-parse', '--show-prefix']);
  } catch (e) {
    if (e instanceof GitRefError && e.code === 'git-failed') throw new GitRefError('not-a-repository', `${repoDir} is not in a git repository, so --to has no history to read (${e.message})`);
    throw e;
  }
  let commit: string;
  try {
    commit = (await git(repoDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString('utf8').trim();
  } catch (e) {
    if (e instanceof GitRefError && e.code === 'git-failed') throw new GitRefError('unknown-ref', `the git ref ${JSON.stringify(ref)} names no commit in this repository (fetch it first, for a shallow clone with enough depth)`);
    throw e;
  }
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) throw new GitRefError('git-failed', `git rev-parse answered ${JSON.stringify(commit.slice(0, 100))} for ${JSON.stringify(ref)}, not a commit id`);

  // The files under each path, with their sizes: the bound is checked before anything is read.
  // ls-tree shows paths relative to repoDir (git's default in a subdirectory), as they are written below.
  const listing = (await git(repoDir, ['ls-tree', '-r', '-z', '-l', commit, '--', ...paths])).toString('utf8');
  const entries: { path: string; object: string; size: number }[] = [];
  let bytes = 0;
  for (const line of listing.split('\0')) {
    if (!line) continue;
    const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(line);
    if (!m) throw new GitRefError('git-failed', `git ls-tree printed a line that is not an entry: ${JSON.stringify(line.slice(0, 200))}`);
    const [, mode, type, object, size, file] = m as unknown as [string, string, string, string, string, string];
    if (!isPlainRelativePath(file) || file.split('/').some((c) => c.toLowerCase() === '.git')) throw new GitRefError('unsafe-tree', `${ref} (${commit.slice(0, 12)}) holds the path ${JSON.stringify(file.slice(0, 200))}, which is not written`);
    if (type !== 'blob' || mode === '120000') {
      throw new GitRefError('unsafe-tree', `${ref} (${commit.slice(0, 12)}) holds ${file} as a ${mode === '120000' ? 'symbolic link' : type}: only regular files are read from a ref`);
    }
    entries.push({ path: file, object, size: Number(size) });
    bytes += Number(size);
    if (entries.length > maxFiles) throw new GitRefError('ref-too-large', `${ref} (${commit.slice(0, 12)}) holds more than ${maxFiles} files under ${paths.join(', ')}`);
    if (bytes > maxBytes) throw new GitRefError('ref-too-large', `${ref} (${commit.slice(0, 12)}) holds more than ${maxBytes} bytes under ${paths.join(', ')}`);
  }
  const present = paths.filter((p) => entries.some((e) => e.path === p || e.path.startsWith(`${p}/`)));
  const missing = required.filter((p) => !present.includes(p));
  if (missing.length) throw new GitRefError('no-intent', `${ref} (${commit.slice(0, 12)}) has no ${missing.join('/, no ')}/: there is no intent to compile at that commit`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'guardrails-ref-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    // The temporary directory is its own repository: the paths written inside the ref's files (a
    // template, an import) are confined to it, whatever lies above the system's temporary directory.
    await mkdir(path.join(dir, '.git'));
    const contents = await readBlobs(repoDir, entries.map((e) => e.object), bytes);
    for (const [i, e] of entries.entries()) {
      const target = path.join(dir, ...e.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      // wx: a path written twice (or onto something already there) is an error, never an overwrite.
      await writeFile(target, contents[i]!, { flag: 'wx', mode: 0o600 });
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { ref, commit, shortCommit: commit.slice(0, 12), dir, present, cleanup };
}

/** Why a ref is refused before git sees it, or undefined. */
export function unsafeRefReason(ref: string): string | undefined {
  if (ref === '') return 'it is empty';
  if (ref.length > MAX_REF_LENGTH) return `it is longer than ${MAX_REF_LENGTH} characters`;
  if (ref.startsWith('-')) return 'it starts with "-" (it would be read as an option)';
  if (/[\u0000-\u001f\u007f]/.test(ref)) return 'it contains a control character';
  return undefined;
}

function isPlainRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

/** A local git read that takes longer than this is stuck (a lock, a hook, a huge repository): stop it, never hang CI. */
const GIT_TIMEOUT_MS = 120_000;

/** git with arguments as an array (no shell), its stdout as bytes; a non-zero exit is a GitRefError. */
function git(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, env: gitEnv(), timeout: GIT_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as { killed?: boolean }).killed) return reject(new GitRefError('git-failed', `git ${args[0]} did not answer within ${GIT_TIMEOUT_MS / 1000} s and was stopped`));
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new GitRefError('git-missing', 'git is not installed (or not on PATH): --to reads the ref with it'));
      const said = stderr.toString('utf8').trim().split('\n')[0] ?? '';
      reject(new GitRefError('git-failed', `git ${args[0]} failed${said ? `: ${said.slice(0, 300)}` : ''}`));
    });
  });
}

/** Never a prompt, never a pager; the user's own config still applies (safe.directory and the like). */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
}

/** The objects' contents, in order, from one `git cat-file --batch`. */
function readBlobs(cwd: string, objects: string[], expectedBytes: number): Promise<Buffer[]> {
  if (!objects.length) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let received = 0;
    // Each object is a header line, its bytes and a newline: more than that is not what was listed.
    const limit = expectedBytes + objects.length * 128;
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, GIT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      received += d.length;
      if (received > limit) child.kill();
      else chunks.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (e) => reject(new GitRefError('git-failed', `git cat-file: ${e.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new GitRefError('git-failed', `git cat-file did not answer within ${GIT_TIMEOUT_MS / 1000} s and was stopped`));
      if (received > limit) return reject(new GitRefError('ref-too-large', 'git cat-file returned more than the listed files hold'));
      if (code !== 0) return reject(new GitRefError('git-failed', `git cat-file failed: ${stderr.trim().slice(0, 300)}`));
      const all = Buffer.concat(chunks);
      const out: Buffer[] = [];
      let at = 0;
      for (const object of objects) {
        const eol = all.indexOf(0x0a, at);
        const header = eol < 0 ? '' : all.subarray(at, eol).toString('utf8');
        const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
        if (!m || m[1] !== object) return reject(new GitRefError('git-failed', `git cat-file answered ${JSON.stringify(header.slice(0, 100))} for ${object}`));
        const size = Number(m[2]);
        out.push(Buffer.from(all.subarray(eol + 1, eol + 1 + size)));
        at = eol + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(objects.join('\n') + '\n');
  });
}
