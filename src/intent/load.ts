/**
 * Loading the intent: read each file, parse YAML with positions, check each file against the schema,
 * merge the files into one organization, build the OU tree. Everything found is reported together.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { error, hasErrors, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { checkSchema } from './schema-check.js';
import { SourceIndex } from '../diagnostics/source-index.js';
import type { Control, ForeignPolicy, Intent, Organization, QuotaSetting, SidMode, TestCase, Wave, WildcardMode } from './types.js';
import { loadYaml } from './yaml-loader.js';

export interface LoadResult {
  /** Present when the files could be merged; check `diagnostics` for errors before trusting it. */
  intent: Intent | undefined;
  diagnostics: Diagnostic[];
  sources: SourceIndex;
  /** The files that could be read, in load order. */
  read: string[];
}

export const DEFAULT_INTENT_DIR = 'guardrails';

/** The default intent files: `guardrails/*.yaml` and `*.yml`, sorted so that merges are reproducible. */
export async function findIntentFiles(cwd: string, dir = DEFAULT_INTENT_DIR): Promise<string[]> {
  const abs = path.resolve(cwd, dir);
  let names: string[];
  try {
    names = await fs.readdir(abs);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.ya?ml$/i.test(n))
    .sort()
    .map((n) => path.join(abs, n));
}

export async function loadIntent(files: readonly string[]): Promise<LoadResult> {
  const sources = new SourceIndex();
  const diagnostics: Diagnostic[] = [];
  const parts: { file: string; value: Record<string, unknown> }[] = [];
  const read: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      diagnostics.push(error('unreadable-file', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file, line: 1, col: 1 }));
      continue;
    }
    read.push(file);
    const loaded = loadYaml(file, text, sources);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.documents.length === 0 && !hasErrors(loaded.diagnostics)) {
      diagnostics.push(warning('empty-file', 'this intent file is empty', sources.position(file, 0)));
    }
    for (const doc of loaded.documents) {
      if (doc.value === null || doc.value === undefined) {
        diagnostics.push(warning('empty-file', 'this intent document is empty', sources.position(file, 0)));
        continue;
      }
      // A scalar has no registered position of its own; its problems sit where the document starts.
      const schemaProblems = checkSchema(doc.value, sources).map((d) => (d.location ? d : { ...d, location: sources.position(file, doc.start) }));
      diagnostics.push(...schemaProblems);
      if (typeof doc.value === 'object' && !Array.isArray(doc.value)) parts.push({ file, value: doc.value as Record<string, unknown> });
      else if (schemaProblems.length === 0) diagnostics.push(error('wrong-type', 'an intent file must be a mapping', sources.position(file, doc.start)));
    }
  }
  if (files.length === 0) diagnostics.push(error('no-intent', 'no intent files given and none found in guardrails/'));
  if (parts.length === 0) {
    // Files that are all empty or comments would otherwise validate: an intent without an organization.
    if (read.length > 0 && !hasErrors(diagnostics)) diagnostics.push(missingOrganization(sources.position(read[0]!, 0)));
    return { intent: undefined, diagnostics, sources, read };
  }
  const intent = merge(parts, sources, diagnostics);
  intent.files = read;
  return { intent, diagnostics, sources, read };
}

function missingOrganization(at: SourceLocation): Diagnostic {
  return error('missing-organization', 'no intent file defines "organization"', at, 'add an organization section with id, managementAccount and tree');
}

/** Combines the files: sections that describe the organization once must appear once; lists concatenate. */
function merge(parts: { file: string; value: Record<string, unknown> }[], sources: SourceIndex, diagnostics: Diagnostic[]): Intent {
  const single = new Map<string, { file: string; holder: Record<string, unknown> }>();
  const once = (key: string, part: { file: string; value: Record<string, unknown> }): boolean => {
    if (!(key in part.value)) return false;
    const first = single.get(key);
    if (first) {
      const loc = first.holder && sources.locateKey(first.holder, key);
      diagnostics.push(
        error(`duplicate-${key === 'organization' ? 'organization' : 'section'}`, `"${key}" is already defined${loc ? ` at ${path.basename(loc.file)}:${loc.line}` : ''}; define it in one file only`, sources.locateKey(part.value, key)),
      );
      return false;
    }
    single.set(key, { file: part.file, holder: part.value });
    return true;
  };

  const intent: Intent = {
    organization: undefined as unknown as Organization,
    tree: undefined,
    defaults: { wildcards: 'compact', sids: 'auto' },
    foreignPolicies: [],
    controls: [],
    duplicateControls: [],
    waves: [],
    tests: [],
    files: [],
    roots: parts.map((p) => p.value),
    sources,
  };
  const controlSeen = new Map<string, Control>();
  for (const part of parts) {
    const v = part.value;
    if (once('organization', part) && isObject(v.organization)) intent.organization = v.organization as unknown as Organization;
    if (once('quotas', part)) intent.quotas = v.quotas as QuotaSetting;
    if (once('defaults', part) && isObject(v.defaults)) {
      const d = v.defaults as { wildcards?: WildcardMode; sids?: SidMode };
      intent.defaults = { wildcards: d.wildcards ?? 'compact', sids: d.sids ?? 'auto' };
    }
    if (once('waves', part) && Array.isArray(v.waves)) intent.waves = v.waves.filter(isObject) as unknown as Wave[];
    if (once('foreignPolicies', part) && Array.isArray(v.foreignPolicies)) intent.foreignPolicies = v.foreignPolicies.filter(isObject) as unknown as ForeignPolicy[];
    if (Array.isArray(v.tests)) intent.tests.push(...(v.tests.filter(isObject) as unknown as TestCase[]));
    if (isObject(v.controls)) {
      for (const [id, c] of Object.entries(v.controls)) {
        if (!isObject(c)) continue;
        const control = c as unknown as Control;
        // The id and the declaring file become part of the control, so later stages can name both.
        Object.assign(control, { id, intentFile: part.file });
        const first = controlSeen.get(id);
        if (first) {
          const loc = sources.locate(first);
          diagnostics.push(error('duplicate-id', `control "${id}" is already defined${loc ? ` at ${path.basename(loc.file)}:${loc.line}` : ''}`, sources.locateKey(v.controls, id), 'control ids must be unique across all intent files'));
          intent.duplicateControls.push(control);
          continue;
        }
        controlSeen.set(id, control);
        intent.controls.push(control);
      }
    }
  }
  if (!intent.organization) {
    diagnostics.push(missingOrganization(sources.position(parts[0]!.file, 0)));
  } else {
    intent.tree = buildTree(intent.organization, sources, diagnostics);
  }
  return intent;
}

function buildTree(org: Organization, sources: SourceIndex, diagnostics: Diagnostic[]): OrgTree | undefined {
  const spec = org.tree;
  if (!isObject(spec)) return undefined;
  const rootName = Object.keys(spec)[0];
  if (rootName === undefined) return undefined;
  const rootSpec = spec[rootName];
  const declaredRootId = isObject(rootSpec) && typeof rootSpec.id === 'string' ? rootSpec.id : undefined;
  const tree = new OrgTree(rootName, typeof org.rootId === 'string' ? org.rootId : declaredRootId);
  const accountSeen = new Map<string, OrgNode>();
  const visit = (node: unknown, parent: OrgNode) => {
    if (!isObject(node)) return;
    if (Array.isArray(node.accounts)) {
      node.accounts.forEach((a, i) => {
        const id = typeof a === 'string' ? a : isObject(a) && typeof a.id === 'string' ? a.id : undefined;
        if (!id) return;
        const name = isObject(a) && typeof a.name === 'string' ? a.name : id;
        const earlier = accountSeen.get(id);
        if (earlier) {
          diagnostics.push(error('duplicate-account', `account ${id} is already in ${OrgTree.describe(earlier.parent!)}; an account belongs to one OU`, sources.locate(node.accounts as object, i)));
          return;
        }
        accountSeen.set(id, tree.add({ kind: 'account', name, id, parent }));
      });
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'accounts' || key === 'id' || key === 'description') continue;
      const ou = tree.add({ kind: 'ou', name: key, id: isObject(child) && typeof child.id === 'string' ? child.id : undefined, parent });
      if (ou.depth > 5) diagnostics.push(error('tree-too-deep', `OU ${ou.path} is nested ${ou.depth} levels below the root; AWS allows 5`, sources.locateKey(node, key)));
      visit(child, ou);
    }
  };
  visit(rootSpec, tree.root);
  return tree;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
