/** Compiles intent text against the 2026-08-22 reference, in a temporary directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile, type CompileResult, type OutManifest } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import type { Condition, Statement } from '../../src/policy/index.js';
import type { LoadedSnapshot } from '../../src/reference/index.js';
import { reference2026 } from './reference.js';
import { tempDir } from './temp.js';

export const ORG_HEADER = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  rootId: r-ab12
  tree:
    Root:
      accounts: ["111111111111"]
      Prod:
        id: ou-ab12-prod0001
        accounts: ["222222222222"]
      Dev:
        id: ou-ab12-dev00001
        accounts: ["333333333333"]
      Public:
        id: ou-ab12-public01
        accounts: ["444444444444"]
defaults:
  # Control tests compare statements with AWS's examples as written; compaction has its own tests.
  wildcards: exact
`;

export interface Compiled {
  result: CompileResult;
  dir: string;
  /** The emitted policies, parsed back from their text. */
  policies: Map<string, { Statement: RawStatement[] }>;
}

export interface RawStatement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** `controls` is YAML placed under `controls:`; extra files are written beside the intent. */
/** `reference` defaults to the 2026-08-22 snapshot. */
export async function compileControls(controls: string, extraFiles: Record<string, string> = {}, header = ORG_HEADER, previous?: OutManifest, reference?: LoadedSnapshot): Promise<Compiled> {
  const dir = await tempDir();
  const file = path.join(dir, 'intent.yaml');
  fs.writeFileSync(file, `${header}controls:\n${controls}`);
  for (const [name, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [file] });
  if (!intent) throw new Error(JSON.stringify(diagnostics));
  const ref = reference ?? (await reference2026());
  const result = compile({ intent, reference: ref.index, referenceManifest: ref.manifest, root: dir, previous });
  result.diagnostics.unshift(...diagnostics);
  const policies = new Map(result.policies.map((p) => [p.name, JSON.parse(p.text) as { Statement: RawStatement[] }]));
  return { result, dir, policies };
}

export function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The (operator, key) pairs of a condition, lower-cased keys: the shape two policies must share. */
export function conditionShape(c: Record<string, Record<string, unknown>> | Condition | undefined): string[] {
  return Object.entries(c ?? {})
    .flatMap(([op, keys]) => Object.keys(keys).map((k) => `${op} ${k.toLowerCase()}`))
    .sort();
}

export function errorsOf(c: Compiled): string[] {
  return c.result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
}

export type { Statement };
