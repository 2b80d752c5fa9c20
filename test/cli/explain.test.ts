/**
 * guardrails explain on the example organization's compiled out/: what each pattern matches in the
 * pinned reference, which control and intent location each statement comes from, what each wildcard
 * will also match as AWS adds actions; and the inputs it must refuse (exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutManifest } from '../../src/compile/index.js';
import { describeShape, type Explanation } from '../../src/explain/explain.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let cache: string;
let manifest: OutManifest;
let ref: ReferenceIndex;
let cli: ExampleRepo['cli'];
const explainJson = async (args: string[]) => {
  const r = await cli(['explain', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Explanation & { file: string };
};

/** What a pattern matches, by a matcher of the test's own: AWS compares action names case-insensitively. */
function namesMatching(pattern: string): string[] {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return ref.actions.map((a) => a.qualified).filter((q) => re.test(q)).sort();
}

beforeAll(async () => {
  ({ dir, cache, cli } = await compiledExampleRepo());
  manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as OutManifest;
  ref = (await reference2026()).index;
});

describe('guardrails explain', () => {
  it('explains every statement and pattern of every compiled policy: matches, provenance from the manifest, who wrote each wildcard', async () => {
    expect(manifest.policies.length).toBeGreaterThan(3);
    for (const entry of manifest.policies) {
      const x = await explainJson([`out/${entry.file}`]);
      expect(x).toMatchObject({ file: `out/${entry.file}`, policy: entry.name, type: entry.type, warnings: [], reference: { snapshotId: manifest.reference.snapshotId } });
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'out', entry.file), 'utf8')) as { Statement: { Sid?: string; Action?: string | string[]; NotAction?: string | string[] }[] };
      expect(x.statements.map((s) => s.sid)).toEqual(doc.Statement.map((s) => s.Sid ?? null));
      x.statements.forEach((s, i) => {
        const meta = entry.statements[i]!;
        expect(s.sources).toEqual(meta.sources);
        expect(s.element).toBe(meta.element);
        const written = [doc.Statement[i]!.Action ?? doc.Statement[i]!.NotAction ?? []].flat();
        expect(s.patterns.map((p) => p.pattern)).toEqual(written);
        // The statement means what compile says it means (the manifest's count, against the same reference).
        expect(s.actions).toBe(meta.actions);
        for (const p of s.patterns) {
          expect(p.matches).toEqual(namesMatching(p.pattern));
          expect(p.writtenBy).toBe(meta.introduced.includes(p.pattern) ? 'compaction' : 'intent');
          expect(p.wildcard).toBe(/[*?]/.test(p.pattern));
          if (p.wildcard) expect(p.openEnded).toBe(`${describeShape(p.pattern)} is ${s.element === 'NotAction' ? 'exempted from the denial' : 'denied'} too`);
          else expect(p.openEnded).toBeNull();
        }
      });
    }
  });

  it('prints, per statement, the control and intent file:line it comes from and, per wildcard, that it is open-ended', async () => {
    const entry = manifest.policies.find((p) => p.controls.includes('stay-in-organization'))!;
    const r = await cli(['explain', `out/${entry.file}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe(`out/${entry.file}: SCP ${entry.name}; matches against reference ${manifest.reference.snapshotId} (synced ${manifest.reference.syncedOn})`);
    const meta = entry.statements.find((s) => s.sources.some((x) => x.control === 'stay-in-organization'))!;
    expect(r.stdout).toContain(`  from control stay-in-organization (deny) at ${meta.sources[0]!.source}: `);
    expect(meta.sources[0]!.source).toMatch(/^guardrails\/[\w-]+\.yaml:\d+:\d+$/);
    const wildcards = entry.statements.flatMap((s) => s.wildcards);
    for (const w of wildcards) expect(r.stdout).toContain(`    open-ended: ${describeShape(w)} is denied too`);
    for (const w of entry.statements.flatMap((s) => s.introduced)) expect(r.stdout).toContain(`${describeShape(w)} is denied too, which the intent did not ask for`);
  });

  it('--sid keeps one statement; --pattern one pattern, with every action it matches listed', async () => {
    const entry = manifest.policies.find((p) => p.statements.length > 1 && p.statements.every((s) => s.sid))!;
    const sid = entry.statements[1]!.sid!;
    const one = await explainJson([`out/${entry.file}`, '--sid', sid]);
    expect(one.statements.map((s) => [s.index, s.sid])).toEqual([[2, sid]]);

    // The NotAction list of allowed-regions: a wildcard matching many actions.
    const regions = manifest.policies.find((p) => p.controls.includes('allowed-regions'))!;
    const st = regions.statements.find((s) => s.element === 'NotAction')!;
    const wide = st.wildcards.map((w) => ({ w, n: namesMatching(w).length })).sort((a, b) => b.n - a.n)[0]!;
    expect(wide.n).toBeGreaterThan(10);
    const r = await cli(['explain', `out/${regions.file}`, '--pattern', wide.w.toUpperCase()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`    ${namesMatching(wide.w).join(', ')}\n`);
    expect(r.stdout).not.toContain('more: --pattern');
    expect(r.stdout).toContain(`  NotAction: applies to every action but the ${st.actions.toLocaleString('en-US')} its patterns match: every action AWS adds that none of them matches is denied too`);
    expect(r.stdout).toContain(`    open-ended: ${describeShape(wide.w)} is exempted from the denial too`);
  });

  it('refuses an unknown Sid, an unknown pattern, a missing file and a file outside the repository, with exit 2', async () => {
    const entry = manifest.policies.find((p) => p.statements.every((s) => s.sid))!;
    const sids = entry.statements.map((s) => s.sid).join(', ');
    const noSid = await cli(['explain', `out/${entry.file}`, '--sid', 'NoSuchSid']);
    expect(noSid.code).toBe(2);
    expect(noSid.stdout).toBe('');
    expect(noSid.stderr).toContain(`error unknown-sid: out/${entry.file}: no statement has Sid "NoSuchSid"; the Sids of this policy: ${sids}\n`);

    const noPattern = await cli(['explain', `out/${entry.file}`, '--pattern', 'iam:NoSuchAction*']);
    expect(noPattern.code).toBe(2);
    expect(noPattern.stderr).toContain(`error unknown-pattern: out/${entry.file}: no statement of this policy has the pattern "iam:NoSuchAction*"; its patterns: `);

    const sid = entry.statements[0]!.sid!;
    const otherStatement = entry.statements[1]?.wildcards[0];
    if (otherStatement) {
      const wrong = await cli(['explain', `out/${entry.file}`, '--sid', sid, '--pattern', otherStatement]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`error unknown-pattern: out/${entry.file}: no statement with Sid "${sid}" of this policy has the pattern`);
    }

    const missing = await cli(['explain', 'out/guardrails-scp-nothing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error file-not-found: compiled policy \S+out\/guardrails-scp-nothing\.json does not exist\n/);

    const outside = path.join(await tempDir(), 'policy.json');
    fs.copyFileSync(path.join(dir, 'out', entry.file), outside);
    for (const named of [outside, path.relative(dir, outside)]) {
      const r = await cli(['explain', named]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error outside-repository: compiled policy ${fs.realpathSync(outside)} is outside the repository`);
    }

    // A committed symlink in out/ that leads out of the repository is refused as well.
    fs.symlinkSync(outside, path.join(dir, 'out', 'linked.json'));
    try {
      const linked = await cli(['explain', 'out/linked.json']);
      expect(linked.code).toBe(2);
      expect(linked.stderr).toContain('error outside-repository:');
    } finally {
      fs.rmSync(path.join(dir, 'out', 'linked.json'));
    }

    const notPolicy = await cli(['explain', 'guardrails/org-snapshot.json']);
    expect(notPolicy.code).toBe(2);
    expect(notPolicy.stdout).toBe('');
  });

  it('explains a policy out/manifest.json does not describe, and says that where it comes from is unknown', async () => {
    const entry = manifest.policies[0]!;
    const copy = path.join(dir, 'out', 'hand-written.json');
    fs.copyFileSync(path.join(dir, 'out', entry.file), copy);
    try {
      const r = await cli(['explain', 'out/hand-written.json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('warning explain-provenance: out/manifest.json does not list this file: where its statements come from is not known\n');
      expect(r.stdout).toMatch(/^out\/hand-written\.json: a policy no compile manifest lists; matches against reference /);
      expect(r.stdout).not.toContain('from control');
      const x = await explainJson(['out/hand-written.json']);
      expect(x.statements.flatMap((s) => s.patterns.map((p) => p.writtenBy))).toEqual(x.statements.flatMap((s) => s.patterns.map(() => 'unknown')));
    } finally {
      fs.rmSync(copy);
    }
  });

  it('explains a policy outside out/ (at the top of the repository) without a manifest, and says so, with no error', async () => {
    fs.copyFileSync(path.join(dir, 'out', manifest.policies[0]!.file), path.join(dir, 'policy.json'));
    try {
      const r = await cli(['explain', 'policy.json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('warning explain-provenance: there is no compile manifest at manifest.json: where the statements come from is not known\n');
      expect(r.stdout).toMatch(/^policy\.json: a policy no compile manifest lists; /);
    } finally {
      fs.rmSync(path.join(dir, 'policy.json'));
    }
  });

  it('warns when the manifest describes other statements than the file holds (a stale out/), and leaves provenance out', async () => {
    const entry = manifest.policies.find((p) => p.statements.length > 1)!;
    const file = path.join(dir, 'out', entry.file);
    const original = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(original) as { Statement: unknown[] };
    fs.writeFileSync(file, JSON.stringify({ ...doc, Statement: doc.Statement.slice(1) }, null, 2));
    try {
      const x = await cli(['explain', `out/${entry.file}`]);
      expect(x.code, x.stderr).toBe(0);
      expect(x.stderr).toContain(`warning explain-provenance: out/manifest.json describes ${entry.file} with other statements than the file holds (out/ is stale: run guardrails compile): where they come from is left out\n`);
      expect(x.stdout).not.toContain('from control');
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

describe('the shape of a wildcard, in words', () => {
  it('names the service, the start, the pieces in between and the end', () => {
    expect(describeShape('iam:C*ser')).toBe('any future iam action starting with C and ending in ser');
    expect(describeShape('iam:Create*User')).toBe('any future iam action starting with Create and ending in User');
    expect(describeShape('sts:*eA*')).toBe('any future sts action containing eA');
    expect(describeShape('s3:*eJ*g')).toBe('any future s3 action containing eJ and ending in g');
    expect(describeShape('guardduty:*te*Det*')).toBe('any future guardduty action containing te, then Det');
    expect(describeShape('guardduty:Disassociate*')).toBe('any future guardduty action starting with Disassociate');
    expect(describeShape('s3:*')).toBe('any future s3 action');
    expect(describeShape('*')).toBe('every future action of every service');
    expect(describeShape('s3:Get?bject')).toBe('any future s3 action named like Get?bject (each ? standing for any one character)');
    expect(describeShape('ec2*:Describe*')).toBe('any future action of any service whose prefix matches ec2* starting with Describe');
  });
});
