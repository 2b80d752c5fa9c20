import * as path from 'node:path';
import { inertLine, SourceIndex, type Diagnostic } from '../diagnostics/index.js';
import { packageVersion } from '../files/package-version.js';
import { realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { existingPaths, INTENT_FILES, NOTIFY_WORKFLOW, planScaffold, PULL_REQUEST_WORKFLOW, REFERENCE_DIR, SETTINGS_FILE, SNAPSHOT_FILE, writeScaffold, type ScaffoldInput } from '../init/index.js';
import { OrgAccessError, organizationsClientFromEnv, readOrganization, readStateFile, type OrgState, type OrgStateOu } from '../org/index.js';
import { displayPath, formatCount, formatDiagnostic } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';

export interface InitFlags {
  org?: string;
  live?: boolean;
  concurrency?: number;
}

/** `guardrails init [DIR]`: an intent to start from, editor settings and workflows; nothing that exists is overwritten. */
export async function runInit(dirArg: string | undefined, flags: InitFlags, io: CliIO): Promise<number> {
  if (flags.org && flags.live) throw new UsageError('give either --org FILE or --live, not both');
  if (flags.concurrency !== undefined && !flags.live) throw new UsageError('--concurrency applies to reading AWS Organizations: give it with --live');
  const dir = path.resolve(io.cwd, dirArg ?? '.');
  const shown = (p: string) => inertLine(displayPath(path.join(dir, p), io.cwd));
  const refuse = (diagnostics: readonly Diagnostic[], sources = new SourceIndex()) => {
    for (const d of diagnostics) io.stderr.write(formatDiagnostic(d, { get: (f) => sources.text(f) }, io.cwd));
    io.stderr.write('init failed: nothing was written\n');
    return EXIT_BAD_INPUT;
  };

  // Before AWS is read: a directory that has an intent already is refused at once.
  const taken = await existingPaths(dir, [...INTENT_FILES, PULL_REQUEST_WORKFLOW, NOTIFY_WORKFLOW, ...(flags.live ? [SNAPSHOT_FILE] : [])]);
  if (taken.length) {
    for (const p of taken) io.stderr.write(`error init-exists: ${shown(p)} exists; init writes only files that do not exist yet\n`);
    io.stderr.write('init failed: nothing was written (move those aside, or init another directory)\n');
    return EXIT_BAD_INPUT;
  }

  let organization: ScaffoldInput['organization'] = { kind: 'example' };
  let origin = '';
  if (flags.org) {
    const file = path.resolve(io.cwd, flags.org);
    const sources = new SourceIndex();
    const root = rootForNamedPath(flags.org, io.cwd, repositoryOf(io.cwd));
    const read = await readStateFile(file, sources, root !== undefined ? { root } : {});
    if (!read.state) return refuse(read.diagnostics, sources);
    const inPlace = realOrResolved(file) === realOrResolved(path.join(dir, SNAPSHOT_FILE));
    organization = { kind: 'snapshot', state: read.state, write: !inPlace };
    origin = `copied from ${inertLine(flags.org)}`;
  } else if (flags.live) {
    try {
      const stop = new AbortController();
      organization = { kind: 'snapshot', state: (await readOrganization(organizationsClientFromEnv(io.env, { stop: stop.signal }), { source: 'AWS Organizations', stop, ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}) })).state, write: true };
      origin = 'read from AWS Organizations';
    } catch (e) {
      if (!(e instanceof OrgAccessError)) throw e;
      io.stderr.write(`error org-access: ${e.message}\n`);
      io.stderr.write('init failed: nothing was written (without credentials, init writes an example tree: run it without --live)\n');
      return EXIT_BAD_INPUT;
    }
  }

  const scaffold = await planScaffold({ dir, organization, version: packageVersion() });
  const written = await writeScaffold(dir, scaffold.plan);
  if (!written.ok) return refuse(written.diagnostics);

  const lines: [string, string][] = [];
  const state = organization.kind === 'snapshot' ? organization.state : undefined;
  lines.push(['guardrails/organization.yaml', state ? `organization ${inertLine(state.organization.id)}, its tree from guardrails/org-snapshot.json (${treeSize(state)})` : 'an example organization to edit (its ids are placeholders that compile)']);
  lines.push(['guardrails/controls.yaml', `protect-security-services, allowed-regions, only-org-principals; ${scaffold.tests ? `${scaffold.tests} tests` : 'no tests: the organization has no member account'}`]);
  if (organization.kind === 'snapshot' && organization.write) lines.push([SNAPSHOT_FILE, origin]);
  const ref = scaffold.reference;
  if (ref.kind === 'copy') {
    const snap = ref.snapshot();
    lines.push([`${REFERENCE_DIR}/`, `AWS's service reference that guardrails ${packageVersion()} pins${snap ? `, snapshot ${snap.snapshotId} (${formatCount(snap.totals.services)} services)` : ''}`]);
  }
  const settings = scaffold.settings;
  if (settings.kind === 'create' || settings.kind === 'merge') lines.push([SETTINGS_FILE, `${settings.kind === 'merge' ? 'merged: ' : ''}yaml.schemas maps guardrails/*.yaml to the schema`]);
  lines.push([PULL_REQUEST_WORKFLOW, 'pull requests: compile, simulate, the diff as a comment']);
  lines.push([NOTIFY_WORKFLOW, "weekly: AWS's changes that touch a guardrail, as an issue"]);
  const width = Math.max(...lines.map(([p]) => p.length));
  const where = path.relative(io.cwd, dir);
  io.stdout.write(`wrote${where ? ` in ${inertLine(where)}` : ''}:\n${lines.map(([p, what]) => `  ${p.padEnd(width)}  ${what}\n`).join('')}`);

  const notes: string[] = [];
  if (ref.kind === 'present') notes.push(`${shown(REFERENCE_DIR)} is there already: the intent compiles against it`);
  if (ref.kind === 'none') notes.push(`this guardrails ships no service reference: run guardrails sync before compiling`);
  if (settings.kind === 'left-alone') notes.push(`${shown(SETTINGS_FILE)} left as it is (${settings.reason}); add to it: ${settings.entry}`);
  notes.push(
    scaffold.schema.installed
      ? `schema for editors: ${inertLine(scaffold.schema.fromIntentDir)} (the installed guardrails' own, read offline)`
      : `schema for editors: ${scaffold.schema.fromIntentDir}, its id (installed in the project, npm install --save-dev guardrails, init names the installed file, read offline)`,
  );
  io.stdout.write(`\n${notes.map((n) => `${n}\n`).join('')}`);

  const next = [
    ...(where ? [`cd ${inertLine(/^[\w./-]+$/.test(where) ? where : JSON.stringify(where))}`] : []),
    'npx guardrails compile',
    'npx guardrails simulate',
    state ? 'npx guardrails diff --org guardrails/org-snapshot.json' : 'npx guardrails diff --live      # with credentials for AWS Organizations, once the tree is yours',
  ];
  io.stdout.write(`\nnext:\n${next.map((c) => `  ${c}\n`).join('')}`);
  return EXIT_OK;
}

function treeSize(state: OrgState): string {
  let ous = 0;
  let accounts = 0;
  const walk = (ou: OrgStateOu) => {
    accounts += ou.accounts.length;
    for (const c of ou.ous) {
      ous++;
      walk(c);
    }
  };
  walk(state.root);
  return `${formatCount(ous)} OUs, ${formatCount(accounts)} accounts`;
}
