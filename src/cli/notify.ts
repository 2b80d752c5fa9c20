import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runNotification } from '../notify/index.js';
import { NOTIFY_FORMATS, renderNotify, renderNotifyStatement, TemplateError, type NotifyFormat } from '../report/index.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';

export interface NotifyFlags {
  from?: string;
  to?: string;
  cache: string;
  out: string;
  format: string;
  template?: string;
  json?: boolean;
}

/**
 * `guardrails notify`: what AWS changed between two service-reference snapshots (by default the one
 * out/ was compiled against and the current one) and which guardrails it touches. Exit 1 when one is
 * touched, so that a scheduled job can open an issue; 0 when nothing is; 2 on bad input.
 */
export async function runNotify(flags: NotifyFlags, io: CliIO): Promise<number> {
  const format = (flags.json ? 'json' : flags.format) as NotifyFormat;
  if (!NOTIFY_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${NOTIFY_FORMATS.join(', ')}, not "${flags.format}"`);
  let template: { file: string; text: string } | undefined;
  if (flags.template) {
    const file = path.resolve(io.cwd, flags.template);
    try {
      template = { file: flags.template, text: await fs.readFile(file, 'utf8') };
    } catch (e) {
      io.stderr.write(`error unreadable-file: cannot read the template ${flags.template} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      return EXIT_BAD_INPUT;
    }
  }

  const outcome = await runNotification({ from: flags.from, to: flags.to, cacheDir: path.resolve(io.cwd, flags.cache), outDir: path.resolve(io.cwd, flags.out), cwd: io.cwd });
  switch (outcome.kind) {
    case 'error':
      io.stderr.write(`error ${outcome.code}: ${outcome.message}\n`);
      return EXIT_BAD_INPUT;
    case 'first-run':
    case 'up-to-date':
      io.stdout.write(renderNotifyStatement(outcome, format));
      return EXIT_OK;
    case 'result':
      try {
        io.stdout.write(renderNotify(outcome.result, format, template));
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        io.stderr.write(`error template: ${e.message}\n`);
        return EXIT_BAD_INPUT;
      }
      return outcome.result.touched ? EXIT_FINDINGS : EXIT_OK;
  }
}
