/**
 * Custom statements: written inline in the intent, or rendered from a handlebars template with
 * parameters from the intent (custom-template.ts says what a template may do). A template renders
 * JSON (a list of statements or a whole policy); it sees `parameters` and `organization`. Rendered
 * text is validated like any policy, with positions in the rendered text.
 */
import { error } from '../diagnostics/index.js';
import type { CustomControl } from '../intent/index.js';
import { parseJsonWithPositions, readPolicyDocument, POLICY_VERSION } from '../policy/index.js';
import { renderTemplate } from './custom-template.js';
import type { ControlBuilder } from './draft.js';
import { draftsFromDocument } from './policy-statements.js';

const TEMPLATE_HINT = 'a template sees parameters.<name> (from "parameters") and organization.id; {{x}} writes a string escaped for a JSON string, {{json parameters.list}} writes a value as JSON';

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
  const rendered = renderTemplate(file.text, { parameters: c.parameters ?? {}, organization: ctx.intent.organization });
  if (!rendered.ok) {
    // The template is in the repository (the read above made sure): its line may be quoted.
    sources.addText(file.path, file.text);
    ctx.diagnostics.push(error(rendered.code, `control ${c.id}: template ${c.template}: ${rendered.message}`, { file: file.path, ...rendered.at }, rendered.code === 'template-error' ? TEMPLATE_HINT : undefined));
    return [];
  }
  const renderedName = `${file.path} (rendered)`;
  const parsed = parseJsonWithPositions(renderedName, rendered.text, sources);
  if (parsed.value === undefined) {
    for (const d of parsed.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: the rendered template is not JSON: ${d.message}` });
    return [];
  }
  const value = Array.isArray(parsed.value) ? { Version: POLICY_VERSION, Statement: parsed.value } : parsed.value;
  const read = readPolicyDocument(value, sources);
  for (const d of read.diagnostics) ctx.diagnostics.push({ ...d, message: `control ${c.id}: ${d.message}` });
  return read.document ? draftsFromDocument(ctx, c, read.document, sources, type, `template ${c.template}`, true) : [];
};
