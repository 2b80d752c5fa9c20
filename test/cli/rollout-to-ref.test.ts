/**
 * `guardrails rollout --live --revert --to GIT_REF`: materializeRef on a small repository of its own
 * (refs resolved, untrusted refs refused, the extracted files those of the ref), and end to end against
 * moto: version 1 committed and deployed, version 2 rolled out, then the organization taken back to the
 * intent of version 1's commit.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRefError, materializeRef } from '../../src/cli/git-ref.js';
import { isOwned, treeOfState, type OrgState } from '../../src/org/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { parseJournal } from '../../src/rollout/journal.js';
import { startExampleRollout, type ExampleRollout } from '../support/example-rollout.js';
import { tempDir } from '../support/temp.js';

/** git with a fixed identity and none of the user's config, so the commits are the same everywhere. */
function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=guardrails-test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    encoding: 'utf8',
  }).trim();
}

/** Every file below `dir`, relative path to content. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GitRefError) return e.code;
    throw e;
  }
  return 'resolved';
}

describe('materializeRef', () => {
  let repo: string;
  const v1 = { 'guardrails/baseline.yaml': 'version: 1\n', 'service-reference-cache/manifest.json': '{"snapshot":"a"}\n' };
  const v2 = { 'guardrails/baseline.yaml': 'version: 2\n', 'guardrails/more.yaml': 'extra: true\n', 'service-reference-cache/manifest.json': '{"snapshot":"a"}\n' };
  const write = (files: Record<string, string>) => {
    fs.rmSync(path.join(repo, 'guardrails'), { recursive: true, force: true });
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
      fs.writeFileSync(path.join(repo, f), text);
    }
  };

  beforeAll(async () => {
    repo = path.join(await tempDir(), 'repo');
    fs.mkdirSync(repo);
    git(repo, ['init', '-q']);
    fs.writeFileSync(path.join(repo, 'README.md'), 'no intent yet\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'before the intent']);
    git(repo, ['tag', 'before']);
    write(v1);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'version 1']);
    git(repo, ['tag', 'v1']);
    write(v2);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'version 2']);
    // A branch whose intent holds a symbolic link out of the repository.
    git(repo, ['checkout', '-qb', 'linked']);
    fs.symlinkSync('/etc/hostname', path.join(repo, 'guardrails', 'link.yaml'));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'a link']);
    git(repo, ['checkout', '-q', 'main']);
  });

  it('resolves a tag, HEAD~1 and a full commit id, and extracts exactly that commit\'s files', async () => {
    const v1Commit = git(repo, ['rev-parse', 'v1^{commit}']);
    const head = git(repo, ['rev-parse', 'HEAD']);
    for (const [ref, commit, files] of [
      ['v1', v1Commit, v1],
      ['HEAD~1', v1Commit, v1],
      [head, head, v2],
    ] as const) {
      const at = await materializeRef(repo, ref);
      try {
        expect(at.commit).toBe(commit);
        expect(at.shortCommit).toBe(commit.slice(0, 12));
        expect(at.present).toEqual(['guardrails', 'service-reference-cache']);
        expect(filesUnder(at.dir)).toEqual(files);
      } finally {
        await at.cleanup();
      }
      expect(fs.existsSync(at.dir)).toBe(false);
    }
  });

  it('refuses refs that git would read as options or that hold control characters, before git runs', async () => {
    expect(await refusal(materializeRef(repo, '-x'))).toBe('unsafe-ref');
    expect(await refusal(materializeRef(repo, '--output=/tmp/x'))).toBe('unsafe-ref');
    expect(await refusal(materializeRef(repo, 'v1\nHEAD'))).toBe('unsafe-ref');
    expect(await refusal(materializeRef(repo, ''))).toBe('unsafe-ref');
  });

  it('refuses an unknown ref, a directory outside any repository, and a commit without guardrails/', async () => {
    expect(await refusal(materializeRef(repo, 'no-such-tag'))).toBe('unknown-ref');
    expect(await refusal(materializeRef(repo, '0123456789012345678901234567890123456789'))).toBe('unknown-ref');
    expect(await refusal(materializeRef(await tempDir(), 'HEAD'))).toBe('not-a-repository');
    expect(await refusal(materializeRef(repo, 'before'))).toBe('no-intent');
  });

  it('refuses a ref over the size bound and a symbolic link in the intent', async () => {
    expect(await refusal(materializeRef(repo, 'v1', { maxBytes: 10 }))).toBe('ref-too-large');
    expect(await refusal(materializeRef(repo, 'HEAD', { maxFiles: 2 }))).toBe('ref-too-large');
    expect(await refusal(materializeRef(repo, 'linked'))).toBe('unsafe-tree');
  });
});

describe('rollout --revert --to GIT_REF (moto)', () => {
  let fx: ExampleRollout;
  let v1Commit: string;
  /** Version 1's compile, from out/ as committed with it: name, canonical content and targets. */
  let version1: string[];

  const ownedPolicies = (state: OrgState): string[] => {
    const tree = treeOfState(state);
    return state.policies
      .filter(isOwned)
      .map((p) => `${p.type} ${p.name} ${canonicalPolicyText(p.content)} ${p.targets.map((id) => tree.node(id)?.path ?? id).sort().join(',')}`)
      .sort();
  };
  const compiledPolicies = (): string[] => {
    const out = path.join(fx.dir, 'out');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { policies: { name: string; type: string; file: string; targets: { target: string }[] }[] };
    return manifest.policies.map((p) => `${p.type} ${p.name} ${canonicalPolicyText(fs.readFileSync(path.join(out, p.file), 'utf8'))} ${p.targets.map((t) => t.target).sort().join(',')}`).sort();
  };

  beforeAll(async () => {
    fx = await startExampleRollout();
    await fx.reset({
      atVersion1: () => {
        // The fixture marks its repository with an empty .git: make it a real one, version 1 committed.
        fs.rmSync(path.join(fx.dir, '.git'), { recursive: true, force: true });
        git(fx.dir, ['init', '-q']);
        git(fx.dir, ['add', 'guardrails', 'service-reference-cache', 'out']);
        git(fx.dir, ['commit', '-qm', 'version 1']);
        git(fx.dir, ['tag', 'v1']);
        v1Commit = git(fx.dir, ['rev-parse', 'HEAD']);
        version1 = compiledPolicies();
      },
    });
    git(fx.dir, ['add', 'guardrails', 'out']);
    git(fx.dir, ['commit', '-qm', 'version 2']);
  }, 300_000);

  afterAll(async () => {
    await fx?.stop();
  });

  it('rolls version 2 out, then back to the intent of version 1\'s commit, and journals the ref and its commit', async () => {
    expect(ownedPolicies(await fx.read())).toEqual(version1);
    const forward = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-forward']);
    expect(forward.code, forward.stderr).toBe(0);
    expect(ownedPolicies(await fx.read())).not.toEqual(version1);

    const copies = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('guardrails-ref-'));
    const copiesBefore = copies();
    const revert = await fx.cli(['rollout', '--live', '--revert', '--to', 'v1', '--bake', '0', '--journal', 'rollouts/r-back.jsonl', '--json']);
    expect(revert.code, revert.stderr).toBe(0);
    expect(revert.stderr).toContain(`the intent at v1 (${v1Commit.slice(0, 12)})`);
    expect(ownedPolicies(await fx.read())).toEqual(version1);
    expect(fx.proxy.auditor.violations).toEqual([]);

    // Reverse wave order: the intent's last wave first.
    const report = JSON.parse(revert.stdout) as { result: string; waves: { name: string }[] };
    const forwardWaves = (parseJournal(fs.readFileSync(path.join(fx.dir, 'rollouts', 'r-forward.jsonl'), 'utf8'), 'r-forward.jsonl').records.find((r) => r.kind === 'run-start') as { waves: string[] }).waves;
    expect(report.waves.map((w) => w.name)).toEqual([...forwardWaves].reverse());

    const start = parseJournal(fs.readFileSync(path.join(fx.dir, 'rollouts', 'r-back.jsonl'), 'utf8'), 'r-back.jsonl').records.find((r) => r.kind === 'run-start');
    expect(start && 'intentAt' in start ? start.intentAt : undefined).toEqual({ ref: 'v1', commit: v1Commit });
    // The temporary copy of the ref is gone.
    expect(copies().filter((f) => !copiesBefore.includes(f))).toEqual([]);
  }, 240_000);

  it('with --emergency, goes back to the commit\'s intent in one wave', async () => {
    const forward = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-forward-again']);
    expect(forward.code, forward.stderr).toBe(0);
    expect(ownedPolicies(await fx.read())).not.toEqual(version1);
    const revert = await fx.cli(['rollout', '--live', '--revert', '--to', v1Commit, '--emergency', '--json']);
    expect(revert.code, revert.stderr).toBe(0);
    expect((JSON.parse(revert.stdout) as { waves: unknown[] }).waves).toHaveLength(1);
    expect(ownedPolicies(await fx.read())).toEqual(version1);
    expect(fx.proxy.auditor.violations).toEqual([]);
  }, 240_000);

  it('is a usage error (exit 2, nothing written) to give --revert neither RUN nor --to, or both, or --to without --revert', async () => {
    const writes = fx.proxy.counts.writes;
    for (const args of [['--revert'], ['--revert', 'r-forward', '--to', 'v1'], ['--to', 'v1']]) {
      const r = await fx.cli(['rollout', '--live', '--bake', '0', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^error usage: /m);
    }
    expect(fx.proxy.counts.writes).toBe(writes);
  });

  it('refuses (exit 2, nothing written) a ref that is an option, and one that names no commit', async () => {
    const writes = fx.proxy.counts.writes;
    const option = await fx.cli(['rollout', '--live', '--revert', '--to=--output=x', '--bake', '0']);
    expect(option.code, option.stderr).toBe(2);
    expect(option.stderr).toMatch(/^error unsafe-ref: /m);
    const unknown = await fx.cli(['rollout', '--live', '--revert', '--to', 'no-such-ref', '--bake', '0']);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/^error unknown-ref: /m);
    expect(fx.proxy.counts.writes).toBe(writes);
  });

  it('refuses (exit 2, nothing written) a ref whose intent does not compile, naming its files as the repository does', async () => {
    const writes = fx.proxy.counts.writes;
    const baseline = path.join(fx.dir, 'guardrails', 'baseline.yaml');
    const text = fs.readFileSync(baseline, 'utf8');
    fs.appendFileSync(baseline, '\n  broken:\n    kind: deny-actions\n    actions: [nosuchservice:NoSuchAction]\n    attach: [NoSuchOu]\n');
    git(fx.dir, ['commit', '-qam', 'a broken intent']);
    git(fx.dir, ['tag', 'broken']);
    git(fx.dir, ['reset', '-q', '--hard', 'HEAD~1']);
    expect(fs.readFileSync(baseline, 'utf8')).toBe(text);
    const r = await fx.cli(['rollout', '--live', '--revert', '--to', 'broken', '--bake', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^guardrails\/baseline\.yaml:\d+:\d+: error /m);
    expect(r.stderr).toContain('does not compile');
    expect(r.stderr).not.toContain('guardrails-ref-');
    expect(fx.proxy.counts.writes).toBe(writes);
  });
});
