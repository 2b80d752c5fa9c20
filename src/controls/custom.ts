/**
 * Custom statements: written inline in the intent, or rendered from a handlebars template with
 * parameters from the intent. A template renders JSON (a list of statements or a whole policy); it
 * sees `parameters` and `organization`. `{{x}}` writes a string escaped for the inside of a JSON
 * string (quotes, backslashes and control characters), so a parameter can never close the string it
 * is written in and add keys of its own; the `json` helper writes any value as JSON. Rendered text is
 * validated like any policy, with positions in the rendered text.
 */
import Handlebars from 'handlebars';
import { error } from '../diagnostics/index.js';
import type { CustomControl } from '../intent/index.js';
import { parseJsonWithPositions, readPolicyDocument, POLICY_VERSION } from '../policy/index.js';
import type { ControlBuilder } from './draft.js';
import { draftsFromDocument } from './policy-statements.js';

const templates = Handlebars.create();
templates.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(unescapeDeep(value))));

/**
 * Handlebars escapes for HTML; a JSON template needs JSON. Every string the template can reach is
 * escaped for the inside of a JSON string before rendering (with Handlebars' own escaping off); the
 * `json` helper undoes it and writes the value itself as JSON.
 */
function escapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return JSON.stringify(v).slice(1, -1);
  if (Array.isArray(v)) return v.map(escapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDeep(x)]));
  return v;
}

function unescapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return JSON.parse(`"${v}"`) as string;
  if (Array.isArray(v)) return v.map(unescapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeDeep(x)]));
  return v;
}

export const custom: ControlBuilder<CustomControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const type = c.type ?? 'scp';
  if (c.statements) {
    const read = readPolicyDocument({ Version: POLICY_VERSION, Statement: c.statements }, sources);
    for (const d of read.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: ${d.message}` });
    return read.document ? draftsFromDocument(ctx, c, read.document, sources, type, 'custom', true) : [];
  }
  if (!c.template) return [];
  const file = ctx.readFile(c, c.template);
  if (!file.ok) {
    ctx.diagnostics.push(error(file.code === 'file-not-found' ? 'missing-file' : file.code, `control ${c.id}: template: ${file.message}`, sources.locate(c as object, 'template')));
    return [];
  }
  let rendered: string;
  try {
    const template = templates.compile(file.text, { noEscape: true, strict: true });
    rendered = template(escapeDeep({ parameters: c.parameters ?? {}, organization: ctx.intent.organization }));
  } catch (e) {
    sources.addText(file.path, file.text);
    // Handlebars says `"x" not defined in [object Object] - 1:30` (1-based line, 0-based column).
    const m = /^"([^"]+)" not defined in .* - (\d+):(\d+)/.exec((e as Error).message);
    const message = m ? `{{...}} uses "${m[1]}", which is not defined` : (e as Error).message.split('\n')[0];
    const where = m ? { file: file.path, line: Number(m[2]), col: Number(m[3]) + 1 } : sources.locate(c as object, 'template');
    ctx.diagnostics.push(error('template-error', `control ${c.id}: template ${c.template}: ${message}`, where, 'a template sees parameters.<name> (from "parameters") and organization.id; {{x}} writes a string escaped for a JSON string, {{json parameters.list}} writes a value as JSON'));
    return [];
  }
  const renderedName = `${file.path} (rendered)`;
  const parsed = parseJsonWithPositions(renderedName, rendered, sources);
  if (parsed.value === undefined) {
    for (const d of parsed.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: the rendered template is not JSON: ${d.message}` });
    return [];
  }
  const value = Array.isArray(parsed.value) ? { Version: POLICY_VERSION, Statement: parsed.value } : parsed.value;
  const read = readPolicyDocument(value, sources);
  for (const d of read.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: ${d.message}` });
  return read.document ? draftsFromDocument(ctx, c, read.document, sources, type, `template ${c.template}`, true) : [];
};
