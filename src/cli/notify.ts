import * as path from 'node:path';
import { clip, inertText, quoteUntrusted } from '../diagnostics/index.js';
import { findReported, parseReported, runNotification } from '../notify/index.js';
import { LIMITS, readText, repositoryOf, rootForNamedPath } from '../files/index.js';
import { MARKDOWN_MAX_LENGTH, NOTIFY_FORMATS, readUserTemplate, renderAlreadyReported, renderNotify, renderNotifyStatement, type NotifyFormat, type UserTemplate } from '../report/index.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';
import { formatDiagnostic } from './format.js';
import { packagedIndexes } from './reference-load.js';

export interface NotifyFlags {
  from?: string;
  to?: string;
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  out: string;
  format?: string;
  template?: string;
  json?: boolean;
  maxLength?: string;
  reported?: string;
}

/** Characters of an error message shown: messages quote what a mirror's files or a template say. */
const MESSAGE_MAX = 1000;

/**
 * `guardrails notify`: what AWS changed between two service-reference snapshots (by default the one
 * out/ was compiled against and the current one) and which guardrails it touches. Exit 1 when one is
 * touched, so that a scheduled job can open an issue; 0 when nothing is; 2 on bad input.
 */
export async function runNotify(flags: NotifyFlags, io: CliIO): Promise<number> {
  if (flags.json && flags.format !== undefined && flags.format !== 'json') throw new UsageError(`--json is --format json: it cannot go with --format ${flags.format}`);
  const format = (flags.json ? 'json' : (flags.format ?? 'text')) as NotifyFormat;
  if (!NOTIFY_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${NOTIFY_FORMATS.join(', ')}, not "${flags.format}"`);
  const maxLength = parseMaxLength(flags.maxLength, format, flags.template !== undefined);

  let template: UserTemplate | undefined;
  if (flags.template) {
    const read = await readUserTemplate(flags.template, io.cwd);
    if (!read.ok) {
      io.stderr.write(`error ${read.code}: ${quoteUntrusted(read.message, MESSAGE_MAX)}\n`);
      return EXIT_BAD_INPUT;
    }
    template = read.template;
  }

  let reported: ReportedIssues | undefined;
  if (flags.reported) {
    const read = await readReported(flags.reported, io.cwd);
    if (!read.ok) {
      io.stderr.write(`error ${read.code}: ${quoteUntrusted(read.message, MESSAGE_MAX)}\n`);
      return EXIT_BAD_INPUT;
    }
    reported = read.issues;
  }

  // The shipped snapshots are the same for every user of this version: what AWS changed since is in a sync.
  // (Both --from and --to given name what is compared, and it is said as named.)
  if (flags.shippedWith !== undefined && (flags.from === undefined || flags.to === undefined)) io.stderr.write(`note: no service-reference-cache/ here: the snapshots compared are the ones shipped with guardrails ${flags.shippedWith}; guardrails sync adds AWS's current reference in a cache of the repository's own\n`);
  const outcome = await runNotification({ from: flags.from, to: flags.to, cacheDir: path.resolve(io.cwd, flags.cache), ...packagedIndexes(), outDir: path.resolve(io.cwd, flags.out), cwd: io.cwd });
  for (const w of outcome.warnings) io.stderr.write(formatDiagnostic(w, { get: () => undefined }, io.cwd));
  switch (outcome.kind) {
    case 'error':
      io.stderr.write(`error ${outcome.code}: ${quoteUntrusted(outcome.message, MESSAGE_MAX)}\n`);
      return EXIT_BAD_INPUT;
    case 'first-run':
    case 'up-to-date':
      io.stdout.write(renderNotifyStatement(outcome, format));
      return EXIT_OK;
    case 'result': {
      // Reported already (the same two snapshots, the same key): nothing new to open, exit 0.
      const issue = reported && findReported(reported, outcome.result.key);
      if (issue) {
        io.stdout.write(renderAlreadyReported(outcome.result.key, issue, format));
        return EXIT_OK;
      }
      const rendered = renderNotify(outcome.result, format, { ...(template ? { template } : {}), ...(maxLength ? { maxLength } : {}) });
      if (!rendered.ok) {
        // Handlebars says where a template is broken on several lines: they are kept, made inert.
        io.stderr.write(`error template: ${clip(inertText(rendered.message), MESSAGE_MAX)}\n`);
        return EXIT_BAD_INPUT;
      }
      io.stdout.write(rendered.text);
      return outcome.result.touched ? EXIT_FINDINGS : EXIT_OK;
    }
  }
}

type ReportedIssues = Extract<ReturnType<typeof parseReported>, { ok: true }>['issues'];

/**
 * The issues of --reported: a file the workflow wrote, read through the same gate as a template (inside
 * the repository it is the pull request's file, and may not lead out of it).
 */
async function readReported(file: string, cwd: string): Promise<{ ok: true; issues: ReportedIssues } | { ok: false; code: string; message: string }> {
  const root = rootForNamedPath(file, cwd, repositoryOf(cwd));
  const read = await readText(path.resolve(cwd, file), { ...(root ? { root } : {}), maxBytes: LIMITS.reportedIssues, what: 'reported issues' });
  if (!read.ok) return { ok: false, code: read.code, message: read.message };
  const parsed = parseReported(read.text, file);
  return parsed.ok ? parsed : { ok: false, code: 'invalid-reported', message: parsed.message };
}

/** --max-length N: markdown and text (and a template of the user's); 0 is no limit. Markdown's default fits a GitHub issue. */
function parseMaxLength(flag: string | undefined, format: NotifyFormat, userTemplate: boolean): number | undefined {
  if (flag === undefined) return format === 'markdown' && !userTemplate ? MARKDOWN_MAX_LENGTH : undefined;
  if (!/^\d+$/.test(flag)) throw new UsageError(`--max-length takes a number of characters (0 for no limit), not "${flag}"`);
  if ((format === 'json' || format === 'slack') && !userTemplate) throw new UsageError(`--max-length applies to markdown and text; --format ${format} has its own limits`);
  const n = Number(flag);
  return n === 0 ? undefined : n;
}
