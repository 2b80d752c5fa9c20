/**
 * Existing SCP or RCP files, in plain IAM JSON or in the input format of AWS's SCP pre-processor
 * (wildcards inside names, access-level selectors, {Exclude:...}, Comment elements). Every statement is
 * kept; what AWS would reject is reported at its line and column in the imported file.
 */
import { error } from '../diagnostics/index.js';
import type { ImportControl } from '../intent/index.js';
import { parseJsonWithPositions, readPolicyDocument } from '../policy/index.js';
import type { ControlBuilder } from './draft.js';
import { draftsFromDocument } from './policy-statements.js';

/** Elements the pre-processor strips before deployment. */
const PREPROCESSOR_COMMENT_KEYS = ['Comment', 'Comments'];

export const importPolicy: ControlBuilder<ImportControl> = (c, ctx) => {
  const file = ctx.readFile(c, c.file);
  if (!file.ok) {
    ctx.diagnostics.push(error(file.code === 'file-not-found' ? 'missing-file' : file.code, `control ${c.id}: import file: ${file.message}`, ctx.intent.sources.locate(c as object, 'file')));
    return [];
  }
  const sources = ctx.intent.sources;
  const parsed = parseJsonWithPositions(file.path, file.text, sources);
  if (parsed.value === undefined) {
    for (const d of parsed.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: ${d.message}` });
    return [];
  }
  const format = c.format && c.format !== 'auto' ? c.format : looksPreprocessed(file.text) ? 'preprocessor' : 'iam';
  const read = readPolicyDocument(parsed.value, sources, format === 'preprocessor' ? { ignoreKeys: PREPROCESSOR_COMMENT_KEYS } : {});
  for (const d of read.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: ${d.message}` });
  if (!read.document) return [];
  return draftsFromDocument(ctx, c, read.document, sources, c.type ?? 'scp', `imported ${c.file}`, format === 'preprocessor');
};

/**
 * The pre-processor's extensions never appear in a policy AWS accepts: a string `service:...{...}...`,
 * or a Comment element. Each string is looked at on its own (the text between two quotes): the regular
 * expression this replaces backtracked quadratically over one long string of braces (minutes for a
 * file of a megabyte).
 */
export function looksPreprocessed(text: string): boolean {
  const between = text.split('"');
  for (let i = 1; i < between.length - 1; i++) {
    const s = between[i]!;
    const open = s.indexOf('{');
    if (open >= 0 && s.indexOf('}', open) > open && /^[a-z0-9-]+:/i.test(s)) return true;
  }
  return /"Comments?"\s*:/.test(text);
}
