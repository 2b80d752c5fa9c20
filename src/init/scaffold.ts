/**
 * What `guardrails init` writes, decided from what is there: the intent (organization.yaml,
 * controls.yaml, the org snapshot when one is given), the pinned service reference unless the
 * directory has one, the editor settings merged into, and the two workflows.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { renderStateFile } from '../org/state-file.js';
import type { OrgState } from '../org/state.js';
import type { SnapshotManifest } from '../reference/cache-store.js';
import { mergeEditorSettings, SETTINGS_FILE, settingsEntry, type SettingsMerge } from './editor-settings.js';
import { CONTROLS_FILE, controlsFile, ORGANIZATION_FILE, organizationFile, SNAPSHOT_FILE, type OrganizationSource } from './intent-files.js';
import { shippedReferenceCache } from './package-files.js';
import { copyCurrentSnapshot, REFERENCE_DIR } from './reference-copy.js';
import { schemaModeline, schemaReference, type SchemaReference } from './schema-reference.js';
import { installCommand, notifyWorkflow, NOTIFY_WORKFLOW, PULL_REQUEST_WORKFLOW, pullRequestWorkflow } from './workflows.js';
import type { ScaffoldFile, ScaffoldPlan } from './write-scaffold.js';

export interface ScaffoldInput {
  /** The directory to scaffold, absolute. */
  dir: string;
  /** The organization: the example tree, or a snapshot (read from a file or from AWS). */
  organization: { kind: 'example' } | { kind: 'snapshot'; state: OrgState; /** Whether guardrails/org-snapshot.json is to be written (it is not when it is the file given). */ write: boolean };
  /** The running guardrails' version, for the workflows of a project that does not declare it. */
  version: string;
  /** The service reference cache to copy from (default: the one the package ships). */
  referenceCache?: string;
}

export interface Scaffold {
  plan: ScaffoldPlan;
  schema: SchemaReference;
  settings: SettingsMerge;
  /** Where the pinned reference comes from: copied from this cache, kept as the directory has it, or none to copy. */
  reference: { kind: 'copy'; from: string; snapshot: () => SnapshotManifest | undefined } | { kind: 'present' } | { kind: 'none' };
  install: string;
  /** The tests controls.yaml holds. */
  tests: number;
}

export async function planScaffold(input: ScaffoldInput): Promise<Scaffold> {
  const { dir } = input;
  const schema = schemaReference(dir);
  const modeline = schemaModeline(schema);
  const source: OrganizationSource = input.organization.kind === 'example' ? { kind: 'example' } : { kind: 'snapshot', state: input.organization.state };
  const install = installCommand(await declaresGuardrails(dir), input.version);
  const controls = controlsFile(modeline, source);
  const files: ScaffoldFile[] = [
    { path: ORGANIZATION_FILE, text: organizationFile(modeline, source) },
    { path: CONTROLS_FILE, text: controls.text },
  ];
  if (input.organization.kind === 'snapshot' && input.organization.write) files.push({ path: SNAPSHOT_FILE, text: renderStateFile(input.organization.state) });
  const settingsPath = path.join(dir, SETTINGS_FILE);
  const existingSettings = await readIfThere(settingsPath);
  const settings: SettingsMerge =
    existingSettings === undefined && (await isThere(settingsPath))
      ? { kind: 'left-alone', reason: 'it is not a regular file of at most 1 MiB', entry: settingsEntry(schema.fromWorkspace) }
      : mergeEditorSettings(existingSettings, schema.fromWorkspace);
  if (settings.kind === 'create') files.push({ path: SETTINGS_FILE, text: settings.text });
  if (settings.kind === 'merge') files.push({ path: SETTINGS_FILE, text: settings.text, replaces: existingSettings! });
  files.push({ path: PULL_REQUEST_WORKFLOW, text: pullRequestWorkflow(install) }, { path: NOTIFY_WORKFLOW, text: notifyWorkflow(install) });

  const plan: ScaffoldPlan = { files };
  let reference: Scaffold['reference'];
  const from = input.referenceCache ?? shippedReferenceCache();
  // A cache of the directory's own, whatever state it is in, is the one its intent compiles against: never touched.
  if (await isThere(path.join(dir, REFERENCE_DIR))) reference = { kind: 'present' };
  else if (from === undefined) reference = { kind: 'none' };
  else {
    let copied: SnapshotManifest | undefined;
    plan.directory = { path: REFERENCE_DIR, fill: async (staged) => void (copied = await copyCurrentSnapshot(from, staged)) };
    reference = { kind: 'copy', from, snapshot: () => copied };
  }
  return { plan, schema, settings, reference, install, tests: controls.tests };
}

/** Whether the project's package.json lists guardrails among its dependencies (then its lock file pins it). */
async function declaresGuardrails(dir: string): Promise<boolean> {
  const text = await readIfThere(path.join(dir, 'package.json'));
  if (text === undefined) return false;
  try {
    const pkg = JSON.parse(text) as Record<string, unknown>;
    return ['dependencies', 'devDependencies', 'optionalDependencies'].some((k) => {
      const deps = pkg[k];
      return typeof deps === 'object' && deps !== null && Object.hasOwn(deps, 'guardrails');
    });
  } catch {
    return false;
  }
}

async function isThere(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

/** A small file's text, or undefined when there is none (anything unreadable counts as absent). */
async function readIfThere(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile() || stat.size > 1024 * 1024) return undefined;
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
