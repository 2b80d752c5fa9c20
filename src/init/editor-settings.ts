/**
 * `.vscode/settings.json`: `yaml.schemas` maps the intent files to the schema, so that a file added to
 * guardrails/ later gets completion and checks without a modeline of its own. An existing settings
 * file is merged into, never replaced: init adds its one entry when the file is plain JSON, and leaves
 * a file it cannot rewrite faithfully (VS Code allows comments and trailing commas, which a JSON
 * rewrite would drop) as it is, saying what to add.
 */

export const SETTINGS_FILE = '.vscode/settings.json';
export const INTENT_GLOB = 'guardrails/*.yaml';

export type SettingsMerge =
  | { kind: 'create'; text: string }
  | { kind: 'merge'; text: string }
  | { kind: 'unchanged' }
  /** Left alone: why, and the entry to add by hand. */
  | { kind: 'left-alone'; reason: string; entry: string };

export function mergeEditorSettings(existing: string | undefined, schemaKey: string): SettingsMerge {
  const entry = settingsEntry(schemaKey);
  if (existing === undefined) return { kind: 'create', text: render({ 'yaml.schemas': { [schemaKey]: INTENT_GLOB } }, '  ') };
  let settings: unknown;
  try {
    settings = JSON.parse(existing);
  } catch {
    return { kind: 'left-alone', reason: 'it is not plain JSON (comments or trailing commas would be lost in a rewrite)', entry };
  }
  if (!isObject(settings)) return { kind: 'left-alone', reason: 'it is not a JSON object', entry };
  const schemas = settings['yaml.schemas'];
  if (schemas !== undefined && !isObject(schemas)) return { kind: 'left-alone', reason: '"yaml.schemas" in it is not an object', entry };
  const mapped = schemas?.[schemaKey];
  if (mapped === INTENT_GLOB || (Array.isArray(mapped) && mapped.includes(INTENT_GLOB))) return { kind: 'unchanged' };
  const globs = mapped === undefined ? INTENT_GLOB : Array.isArray(mapped) ? [...(mapped as unknown[]), INTENT_GLOB] : [mapped, INTENT_GLOB];
  // Keys keep their order; the one entry is added at the end of yaml.schemas (or of the file).
  const merged = { ...settings, 'yaml.schemas': { ...(schemas ?? {}), [schemaKey]: globs } };
  return { kind: 'merge', text: render(merged, indentOf(existing)) };
}

/** The setting init adds, as a line to paste into a settings file it leaves alone. */
export function settingsEntry(schemaKey: string): string {
  return `"yaml.schemas": { ${JSON.stringify(schemaKey)}: ${JSON.stringify(INTENT_GLOB)} }`;
}

function render(value: unknown, indent: string): string {
  return JSON.stringify(value, null, indent) + '\n';
}

/** The indentation the file uses (its first indented line's), so that a merge keeps its look. */
function indentOf(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : '  ';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
