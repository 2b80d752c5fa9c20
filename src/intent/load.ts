/**
 * Loading the intent: read each file, parse YAML with positions, check each file against the schema,
 * merge the files into one organization, build the OU tree. Everything found is reported together.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { error, hasErrors, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { isInside, LIMITS, readText, repositoryOf, rootForNamedPath } from '../files/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { checkSchema } from './schema-check.js';
import { SourceIndex } from '../diagnostics/source-index.js';
import type { AcceptedConditionKey, Control, ForeignPolicy, Intent, Organization, QuotaSetting, ScenarioWaiver, SidMode, TestCase, Wave, WildcardMode } from './types.js';
import { readRolloutSettings } from './rollout-settings.js';
import { organizationAt, readTreeFrom } from './tree-from.js';
import { loadYaml } from './yaml-loader.js';

export interface LoadResult {
  /** Present when the files could be merged; check `diagnostics` for errors before trusting it. */
  intent: Intent | undefined;
  diagnostics: Diagnostic[];
  sources: SourceIndex;
  /** The files looked at (named, or found in guardrails/), resolved. */
  files: string[];
  /** The files that could be read, in load order. */
  read: string[];
}

export const DEFAULT_INTENT_DIR = 'guardrails';

/**
 * Which intent files to load, and from where. The working directory decides the repository, and so
 * which files may be read: a file found in `guardrails/` or named inside the repository must resolve
 * inside it (a committed symlink must not lead to a secret of the runner); a file named on the command
 * line outside the repository is the workflow author's choice and is read as named. Either way only
 * regular files within LIMITS.intentFile are read.
 */
export interface IntentSelection {
  /** The working directory: relative paths resolve against it, and its repository bounds what is read. */
  cwd: string;
  /** Intent files named on the command line; when none, `guardrails/*.yaml` and `*.yml` of `cwd`. */
  files?: readonly string[];
}

/** The default intent files: `guardrails/*.yaml` and `*.yml`, sorted so that merges are reproducible. */
export async function findIntentFiles(cwd: string, dir = DEFAULT_INTENT_DIR): Promise<string[]> {
  return (await discoverIntentFiles(cwd, dir)).files;
}

async function discoverIntentFiles(cwd: string, dir: string): Promise<{ files: string[]; problem?: Diagnostic }> {
  const abs = path.resolve(cwd, dir);
  const root = rootForNamedPath(dir, cwd, repositoryOf(cwd));
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch {
    return { files: [] };
  }
  // The directory is the pull request's: listing one it leads out to would already read outside.
  if (root !== undefined && !isInside(root, real)) {
    return { files: [], problem: error('outside-repository', `the intent directory ${abs} resolves to ${real}, outside the repository ${root}; intent files must be in the repository`) };
  }
  let names: string[];
  try {
    names = await fs.readdir(real);
  } catch {
    return { files: [] };
  }
  return {
    files: names
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort()
      .map((n) => path.join(abs, n)),
  };
}

export async function loadIntent(selection: IntentSelection): Promise<LoadResult> {
  const { cwd } = selection;
  const repository = repositoryOf(cwd);
  const sources = new SourceIndex();
  const diagnostics: Diagnostic[] = [];
  let files: string[];
  if (selection.files?.length) {
    files = selection.files.map((f) => path.resolve(cwd, f));
  } else {
    const found = await discoverIntentFiles(cwd, DEFAULT_INTENT_DIR);
    if (found.problem) diagnostics.push(found.problem);
    files = found.files;
  }
  const parts: { file: string; value: Record<string, unknown> }[] = [];
  const read: string[] = [];
  for (const file of files) {
    const got = await readText(file, { root: rootForNamedPath(file, cwd, repository), maxBytes: LIMITS.intentFile, what: 'intent file' });
    if (!got.ok) {
      // No text is kept for a refused file: nothing of it can be quoted back.
      diagnostics.push(error(got.code, got.message, { file, line: got.line ?? 1, col: got.col ?? 1 }));
      continue;
    }
    read.push(file);
    const loaded = await loadYaml(file, got.text, sources);
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
  if (files.length === 0 && !hasErrors(diagnostics)) diagnostics.push(error('no-intent', 'no intent files given and none found in guardrails/'));
  if (parts.length === 0) {
    // Files that are all empty or comments would otherwise validate: an intent without an organization.
    if (read.length > 0 && !hasErrors(diagnostics)) diagnostics.push(missingOrganization(sources.position(read[0]!, 0)));
    return { intent: undefined, diagnostics, sources, files, read };
  }
  const intent = merge(parts, sources, diagnostics);
  intent.files = read;
  intent.workingDirectory = cwd;
  const org = intent.organization;
  if (org && typeof org.treeFrom === 'string' && org.tree === undefined) {
    const from = await readTreeFrom(org, cwd, sources);
    diagnostics.push(...from.diagnostics);
    intent.tree = from.tree;
    if (from.source) intent.treeSource = from.source;
  }
  return { intent, diagnostics, sources, files, read };
}

function missingOrganization(at: SourceLocation): Diagnostic {
  return error('missing-organization', 'no intent file defines "organization"', at, 'add an organization section with id, managementAccount and tree (or treeFrom, an org snapshot)');
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
    defaults: { wildcards: 'readable', sids: 'auto' },
    foreignPolicies: [],
    acceptedConditionKeys: [],
    controls: [],
    duplicateControls: [],
    waves: [],
    rollout: { protect: [], protectDefaults: true, canaries: [] },
    tests: [],
    files: [],
    workingDirectory: '',
    roots: parts.map((p) => p.value),
    sources,
  };
  const controlSeen = new Map<string, Control>();
  let rollout: Record<string, unknown> | undefined;
  for (const part of parts) {
    const v = part.value;
    if (once('organization', part) && isObject(v.organization)) intent.organization = v.organization as unknown as Organization;
    if (once('quotas', part)) intent.quotas = v.quotas as QuotaSetting;
    if (once('defaults', part) && isObject(v.defaults)) {
      const d = v.defaults as { wildcards?: WildcardMode; sids?: SidMode };
      intent.defaults = { wildcards: d.wildcards ?? 'readable', sids: d.sids ?? 'auto' };
    }
    if (once('waves', part) && Array.isArray(v.waves)) intent.waves = v.waves.filter(isObject) as unknown as Wave[];
    if (once('rollout', part) && isObject(v.rollout)) rollout = v.rollout;
    if (once('foreignPolicies', part) && Array.isArray(v.foreignPolicies)) intent.foreignPolicies = v.foreignPolicies.filter(isObject) as unknown as ForeignPolicy[];
    // Each file may accept the keys its own controls use: the lists add up.
    if (isObject(v.conditionKeys) && Array.isArray(v.conditionKeys.accept)) intent.acceptedConditionKeys.push(...(v.conditionKeys.accept.filter(isObject) as unknown as AcceptedConditionKey[]));
    if (once('simulate', part) && isObject(v.simulate)) {
      const waive = (v.simulate as { waive?: unknown }).waive;
      intent.simulate = { waive: Array.isArray(waive) ? (waive.filter(isObject) as unknown as ScenarioWaiver[]) : [] };
    }
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
  intent.rollout = readRolloutSettings(rollout, intent.waves, sources, diagnostics);
  if (!intent.organization) {
    diagnostics.push(missingOrganization(sources.position(parts[0]!.file, 0)));
  } else if (isObject(intent.organization)) {
    const org = intent.organization;
    const hasTree = org.tree !== undefined;
    const hasTreeFrom = org.treeFrom !== undefined;
    if (hasTree && hasTreeFrom) {
      diagnostics.push(error('tree-source', 'organization has both tree and treeFrom; give one: the tree written out, or the org snapshot it is read from', sources.locateKey(org, 'treeFrom'), 'keep treeFrom to compile against the organization as exported, or tree to write it by hand'));
    } else if (!hasTree && !hasTreeFrom) {
      diagnostics.push(error('missing-tree', 'organization has neither tree nor treeFrom: the policies need the OUs and accounts they attach to', organizationAt(org, sources, intent.roots), 'add treeFrom: org-snapshot.json (written by guardrails org export --out org-snapshot.json), or write the tree'));
    } else if (hasTree) {
      intent.tree = buildTree(org, sources, diagnostics);
      if (intent.tree) intent.treeSource = { kind: 'declared' };
    }
  }
  return intent;
}

/** AWS Organizations nests OUs at most five levels below the root. */
const MAX_OU_DEPTH = 5;

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
      if (ou.depth > MAX_OU_DEPTH) {
        // One error for the branch: what is nested below is beyond what AWS can hold anyway.
        diagnostics.push(error('tree-too-deep', `OU ${ou.path} is nested ${ou.depth} levels below the root; AWS allows ${MAX_OU_DEPTH}`, sources.locateKey(node, key)));
        continue;
      }
      visit(child, ou);
    }
  };
  visit(rootSpec, tree.root);
  return tree;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
