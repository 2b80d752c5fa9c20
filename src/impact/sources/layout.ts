/**
 * CloudTrail's S3 delivery layout, on disk: `AWSLogs/[<o-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/
 * <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz` ("Finding your CloudTrail log files").
 * The directory given may be the folder holding AWSLogs, AWSLogs itself, or AWSLogs/<o-id>. Digest and
 * Insights folders (CloudTrail-Digest, CloudTrail-Insight) hold no API records and are not read; only
 * the day folders of the window are listed, plus the day after it (a file delivered at a time holds
 * records written at any time before it).
 *
 * The directory may be a pull request's (logs committed as fixtures) or the workflow author's: when it is
 * inside the repository (`root`), every entry must resolve inside it, as every file the project reads
 * does (files/read.ts); a symlink leading out is refused and reported, never followed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { locateFile } from '../../files/read.js';

export interface LogFile {
  path: string;
  /** The account folder it was delivered under: whose copy its records are. */
  account: string;
  region: string;
  /** `YYYY-MM-DD` of its day folder. */
  day: string;
}

export interface RefusedPath {
  path: string;
  /** files/read.ts's refusal code, or `not-a-directory`. */
  code: string;
  message: string;
}

export interface LayoutOptions {
  since: Date;
  until: Date;
  /** Only these account folders (12 digits). */
  accounts?: readonly string[];
  /** The real directory every entry must resolve inside (the repository), when the directory is in it. */
  root?: string;
}

export interface Layout {
  files: LogFile[];
  refused: RefusedPath[];
}

const ACCOUNT = /^\d{12}$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}$/;
const REGION = /^[a-z]{2}(?:-[a-z0-9]+)+-\d{1,2}$/;
const DAY_MS = 86_400_000;

export class LayoutError extends Error {
  readonly code = 'not-a-cloudtrail-directory';
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

export function findLogFiles(dir: string, options: LayoutOptions): Layout {
  const refused: RefusedPath[] = [];
  const walker = new Walker(options.root, refused);
  const given = walker.directory(path.resolve(dir));
  if (given === undefined) throw new LayoutError(refused[0]?.message ?? `${path.resolve(dir)} is not a directory`);
  // The folders holding account folders: AWSLogs/<o-id> for organization trails, AWSLogs for account trails.
  const name = path.basename(path.resolve(dir));
  let accountDirs: [string, string][];
  if (ORGANIZATION.test(name) && path.basename(path.dirname(path.resolve(dir))) === 'AWSLogs') accountDirs = walker.subdirectories(given);
  else {
    const awsLogs = name === 'AWSLogs' ? given : walker.child(given, 'AWSLogs', 'directory');
    if (awsLogs === undefined) throw new LayoutError(`${path.resolve(dir)} holds no AWSLogs folder: give the folder CloudTrail delivers to (holding AWSLogs), AWSLogs itself, or AWSLogs/<organization id>`);
    const top = walker.subdirectories(awsLogs);
    accountDirs = [...top, ...top.filter(([n]) => ORGANIZATION.test(n)).flatMap(([, real]) => walker.subdirectories(real))];
  }
  const days = daysOf(options.since, options.until).map((d) => d.split('-'));
  const accounts = options.accounts ? new Set(options.accounts) : undefined;
  const files: LogFile[] = [];
  for (const [account, accountDir] of accountDirs) {
    if (!ACCOUNT.test(account) || (accounts && !accounts.has(account))) continue;
    // Only CloudTrail/: CloudTrail-Digest and CloudTrail-Insight hold no API records.
    const trail = walker.child(accountDir, 'CloudTrail', 'directory');
    if (trail === undefined) continue;
    for (const [region, regionDir] of walker.subdirectories(trail)) {
      if (!REGION.test(region)) continue;
      for (const [y, m, d] of days) {
        const dayDir = walker.path(regionDir, [y!, m!, d!]);
        if (dayDir === undefined) continue;
        for (const [fileName, file] of walker.files(dayDir)) if (fileName.endsWith('.json.gz')) files.push({ path: file, account, region, day: `${y}-${m}-${d}` });
      }
    }
  }
  return { files, refused };
}

/** The UTC days from since's to the day after until's. */
export function daysOf(since: Date, until: Date): string[] {
  const days: string[] = [];
  const first = Math.floor(since.getTime() / DAY_MS);
  const last = Math.floor(until.getTime() / DAY_MS) + 1;
  for (let d = first; d <= last; d++) days.push(new Date(d * DAY_MS).toISOString().slice(0, 10));
  return days;
}

/**
 * Directory listing over real paths: an entry that is not a symlink is its parent's real path plus its
 * name (no further call); a symlink is followed as read.ts follows it, refused and reported when it
 * leads outside the root.
 */
class Walker {
  constructor(
    private readonly root: string | undefined,
    private readonly refused: RefusedPath[],
  ) {}

  /** The real path of a directory given by path, or undefined. */
  directory(p: string): string | undefined {
    const real = this.located(p);
    return real !== undefined && this.kindOf(real) === 'directory' ? real : undefined;
  }

  /** A named entry of a real directory, when it is (or leads to) a `kind`. */
  child(realDir: string, name: string, kind: 'directory' | 'file'): string | undefined {
    const p = path.join(realDir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return undefined;
    }
    if (!stat.isSymbolicLink()) return (kind === 'directory' ? stat.isDirectory() : stat.isFile()) ? p : undefined;
    const real = this.located(p);
    return real !== undefined && this.kindOf(real) === kind ? real : undefined;
  }

  path(realDir: string, names: string[]): string | undefined {
    let at: string | undefined = realDir;
    for (const n of names) if (at !== undefined) at = this.child(at, n, 'directory');
    return at;
  }

  /** [name, real path] of the subdirectories, sorted by name. */
  subdirectories(realDir: string): [string, string][] {
    return this.entries(realDir, 'directory');
  }

  /** [name, path] of the files, sorted; a symlink keeps its own path (read.ts checks it again when it reads). */
  files(realDir: string): [string, string][] {
    return this.entries(realDir, 'file');
  }

  private entries(realDir: string, kind: 'directory' | 'file'): [string, string][] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(realDir, { withFileTypes: true });
    } catch (e) {
      this.refused.push({ path: realDir, code: 'unreadable-file', message: `cannot list ${realDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return [];
    }
    const out: [string, string][] = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(realDir, e.name);
      if (!e.isSymbolicLink()) {
        if (kind === 'directory' ? e.isDirectory() : e.isFile()) out.push([e.name, p]);
        continue;
      }
      const real = this.located(p);
      if (real !== undefined && this.kindOf(real) === kind) out.push([e.name, kind === 'file' ? p : real]);
    }
    return out;
  }

  private kindOf(real: string): 'directory' | 'file' | 'other' {
    try {
      const stat = fs.statSync(real);
      return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
    } catch {
      return 'other';
    }
  }

  /** The real path, or undefined (refused and reported when it leads outside the root). */
  private located(p: string): string | undefined {
    const located = locateFile(p, { ...(this.root !== undefined ? { root: this.root } : {}), what: 'CloudTrail log path' });
    if (located.ok) return located.real;
    if (located.code !== 'file-not-found') this.refused.push({ path: p, code: located.code, message: located.message });
    return undefined;
  }
}
