/**
 * Runs the real CLI (`node bin/guardrails.js`, a separate process) on hostile input, as CI would run it on
 * a pull request, and reports what an attacker would want to know:
 *   - the exit code, stdout and stderr, and whether it finished within its time;
 *   - every file it opened or changed outside what it may touch, seen by strace (the kernel's view, so
 *     no code path of ours can hide a read);
 *   - whether a canary secret reached stdout, stderr or any file of the repository. The canaries sit
 *     in the environment (AWS_SECRET_ACCESS_KEY, as in a CI job with credentials) and in files beside
 *     the repository (a secret, an SSH key, AWS credentials).
 *
 * The sandbox: <tmp>/repo is the repository and the working directory (no .git above it, so it is the
 * repository by the working-directory rule); <tmp>/outside holds the canaries.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheStore } from '../../src/reference/cache-store.js';
import { DirectorySource } from '../../src/reference/sources.js';
import { syncReference } from '../../src/reference/sync.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from './paths.js';

export interface HostileCase {
  /** Files written into the repository (repo-relative path -> content). */
  files?: Record<string, string | Buffer>;
  /** Symlinks created in the repository (repo-relative path -> target, placeholders allowed). */
  links?: Record<string, string>;
  /** FIFOs created in the repository (repo-relative paths). */
  fifos?: string[];
  /** Arguments after `guardrails`; `{cache}`, `{repo}` and `{outside}` are replaced. */
  args: string[];
  env?: Record<string, string>;
  /** Default 30 s: a hang is a finding, reported as timedOut. */
  timeoutMs?: number;
  /** Heap limit of the child in MB (default 768): an unbounded input then crashes instead of exhausting the machine. */
  heapMb?: number;
  /** Directories besides the repository the command may write (a cache named on the command line). */
  writable?: string[];
}

export interface HostileRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** What was printed in all (the strings above keep the first 8 MB). */
  stdoutBytes: number;
  stderrBytes: number;
  timedOut: boolean;
  ms: number;
  /** `read PATH` / `write PATH` for every file touched outside what the command may touch. */
  outsideAccess: string[];
  /** Which canaries showed up, and where. */
  leaks: string[];
  repo: string;
  outside: string;
}

const CANARY_ENV = `canary-env-${randomBytes(6).toString('hex')}`;
const CANARY_FILE = `canary-file-${randomBytes(6).toString('hex')}`;
export const CANARIES = [CANARY_ENV, CANARY_FILE];

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
export const HAVE_STRACE = STRACE !== undefined && spawnSync(STRACE, ['-qq', '-o', '/dev/null', 'true']).status === 0;
/**
 * With a seccomp filter only the traced calls stop the process (strace 5.3 and later): a run costs what
 * it costs without strace, instead of about three times as much.
 */
const SECCOMP = HAVE_STRACE && spawnSync(STRACE!, ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=openat', '-o', '/dev/null', 'true']).status === 0 ? ['--seccomp-bpf'] : [];

let sharedCache: Promise<string> | undefined;

/** A cache synced from the 2026-08-22 snapshot once per test process; cases pass it as --cache {cache}. */
export function hostileCache(): Promise<string> {
  return (sharedCache ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-hostile-cache-'));
    await syncReference({ cacheDir: dir, source: new DirectorySource(SNAPSHOT_2026) });
    return fs.realpathSync(dir);
  })());
}

/** A copy of the shared cache inside the repository, for cases that tamper with it. */
export async function copyCacheInto(repo: string, name = 'service-reference-cache'): Promise<string> {
  const target = path.join(repo, name);
  fs.cpSync(await hostileCache(), target, { recursive: true });
  return target;
}

export async function makeSandbox(c: Omit<HostileCase, 'args'>): Promise<{ root: string; repo: string; outside: string }> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-hostile-')));
  const repo = path.join(root, 'repo');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(repo);
  fs.mkdirSync(path.join(outside, '.aws'), { recursive: true });
  fs.mkdirSync(path.join(outside, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.txt'), `${CANARY_FILE}\n`);
  fs.writeFileSync(path.join(outside, 'secret.json'), JSON.stringify({ Version: '2012-10-17', Statement: [], Secret: CANARY_FILE }));
  fs.writeFileSync(path.join(outside, 'secret.yaml'), `version: 1\nsecret: ${CANARY_FILE}\n`);
  fs.writeFileSync(path.join(outside, '.ssh', 'id_rsa'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY_FILE}\n`);
  fs.writeFileSync(path.join(outside, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${CANARY_FILE}\n`);
  const cache = await hostileCache();
  const fill = (s: string) => s.replaceAll('{repo}', repo).replaceAll('{outside}', outside).replaceAll('{cache}', cache);
  for (const [rel, content] of Object.entries(c.files ?? {})) {
    const file = path.join(repo, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? fill(content) : content);
  }
  for (const [rel, target] of Object.entries(c.links ?? {})) {
    const file = path.join(repo, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(fill(target), file);
  }
  for (const rel of c.fifos ?? []) {
    const file = path.join(repo, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const made = spawnSync('mkfifo', [file]);
    if (made.status !== 0) throw new Error(`mkfifo ${file} failed`);
  }
  return { root, repo, outside };
}

export async function runHostile(c: HostileCase, sandbox?: { repo: string; outside: string; root: string }): Promise<HostileRun> {
  const box = sandbox ?? (await makeSandbox(c));
  const cache = await hostileCache();
  const fill = (s: string) => s.replaceAll('{repo}', box.repo).replaceAll('{outside}', box.outside).replaceAll('{cache}', cache);
  const args = c.args.map(fill);
  const trace = path.join(box.root, 'strace.log');
  const node = [`--max-old-space-size=${c.heapMb ?? 768}`, path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), ...args];
  const [cmd, cmdArgs] = STRACE
    ? [STRACE, ['-f', '-qq', '-y', ...SECCOMP, '-s', '4096', '-o', trace, '-e', `trace=${TRACED.join(',')}`, process.execPath, ...node]]
    : [process.execPath, node];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: box.outside,
    CI: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAHOSTILECANARY0001',
    AWS_SECRET_ACCESS_KEY: CANARY_ENV,
    AWS_REGION: 'us-east-1',
    // Never reach a real AWS endpoint from a test.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)])),
  };
  const started = Date.now();
  const child = spawn(cmd, cmdArgs, { cwd: box.repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  // Keep at most 8 MB of each stream: the size of what was printed is itself asserted by cases.
  let outBytes = 0;
  let errBytes = 0;
  child.stdout.on('data', (b: Buffer) => ((outBytes += b.length) <= 8 << 20 ? out.push(b) : undefined));
  child.stderr.on('data', (b: Buffer) => ((errBytes += b.length) <= 8 << 20 ? err.push(b) : undefined));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, c.timeoutMs ?? 30_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  clearTimeout(timer);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  const writable = [box.repo, ...(c.writable ?? []).map(fill)];
  const outsideAccess = STRACE && fs.existsSync(trace) ? outsideTouches(fs.readFileSync(trace, 'utf8'), { repo: box.repo, cache, writable }) : [];
  const leaks: string[] = [];
  for (const canary of CANARIES) {
    if (stdout.includes(canary)) leaks.push(`${canary} in stdout`);
    if (stderr.includes(canary)) leaks.push(`${canary} in stderr`);
    for (const file of walk(box.repo)) if (fs.readFileSync(file).includes(canary)) leaks.push(`${canary} in ${path.relative(box.repo, file)}`);
  }
  return { code, signal, stdout, stderr, stdoutBytes: outBytes, stderrBytes: errBytes, timedOut, ms: Date.now() - started, outsideAccess, leaks, repo: box.repo, outside: box.outside };
}

/** Regular files under `dir`, not following symlinks (a link to a canary is not a leak by itself). */
function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

const OPENS = ['open', 'openat', 'openat2', 'creat'];
const CHANGES = ['truncate', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'chmod', 'fchmodat', 'utimensat', 'mknodat', 'mknod'];
const TRACED = [...OPENS, ...CHANGES, 'execve'];

/**
 * What the process may read: its own program (node, the project's dist and node_modules), the system
 * (/etc, /usr, /lib, /sys, its own /proc entries but their environ), the repository and the cache.
 * What it may change: the repository and the directories the case allows.
 */
export function outsideTouches(log: string, where: { repo: string; cache: string; writable: string[] }): string[] {
  const nodePrefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  const readable = [where.repo, where.cache, PROJECT_ROOT, fs.realpathSync(PROJECT_ROOT), nodePrefix, '/etc', '/usr', '/lib', '/lib64', '/sys', '/dev/null', '/dev/urandom', '/dev/random', '/dev/tty', '/dev/pts', '/proc/self', '/proc/thread-self', '/proc/meminfo', '/proc/cpuinfo', '/proc/stat', '/proc/sys/vm', '/proc/sys/kernel'];
  const writable = [...where.writable, '/dev/null', '/dev/tty', '/dev/pts'];
  const under = (roots: string[], p: string) => roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : r + '/'));
  const found = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)(?:<([^>]*)>)?/.exec(line);
    if (!m) continue;
    const [, , call, args, result, fdPath] = m;
    if (Number(result) < 0) continue;
    if (call === 'execve') continue;
    const paths = pathsOf(args!);
    if (OPENS.includes(call!)) {
      const target = fdPath ?? paths[0];
      if (!target) continue;
      const writes = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(args!) || call === 'creat';
      const procOwn = /^\/proc\/\d+\/(?!environ)/.test(target) && !/environ/.test(target);
      if (/\/environ$/.test(target)) found.add(`read ${target}`);
      else if (writes ? !under(writable, target) : !(under(readable, target) || procOwn)) found.add(`${writes ? 'write' : 'read'} ${target}`);
    } else {
      for (const p of paths) if (!under(writable, p)) found.add(`${call} ${p}`);
    }
  }
  return [...found].sort();
}

/** The absolute paths a traced call names: `dirfd<dir>, "rel"` pairs and absolute strings. */
function pathsOf(args: string): string[] {
  const out: string[] = [];
  const re = /(?:(?:AT_FDCWD|\d+)<([^>]*)>,\s*)?"((?:[^"\\]|\\.)*)"/g;
  for (const m of args.matchAll(re)) {
    const dir = m[1];
    const p = unescapeStrace(m[2]!);
    if (path.isAbsolute(p)) out.push(path.normalize(p));
    else if (dir) out.push(path.join(dir, p));
  }
  return out;
}

function unescapeStrace(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, '$1');
}
