/**
 * The example organization in a real moto_server behind the fault proxy, for the rollout CLI tests:
 * version 1 deployed, version 2 compiled in out/, and the helpers those tests share (kills at a write,
 * the organization as compile wants it). Each test file that calls
 * useExampleRollout() gets a moto of its own, so that vitest can run the files side by side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { isOwned, treeOfState, type OrgState } from '../../src/org/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { ROLLOUT_LOCK_NAME } from '../../src/rollout/index.js';
import { startExampleRollout, type ExampleRollout } from './example-rollout.js';
import type { ProxyCall } from './fault-proxy.js';

export interface RolloutHarness {
  /** Set once the suite's beforeAll ran. */
  readonly fx: ExampleRollout;
  /** The owned policies as compile wants them (ownedSummary's form). */
  readonly wanted: string[];
  ownedSummary(state: OrgState): string[];
  runKilledAt(when: 'before' | 'after', at: (call: ProxyCall, landed: boolean) => boolean | Promise<boolean>): Promise<'killed' | 'done'>;
  isStep(call: ProxyCall): Promise<boolean>;
  expectResumesToPlan(label: string): Promise<void>;
}

/** The owned policies of a state: type, name, canonical size and targets. */
export function ownedSummary(state: OrgState): string[] {
  const tree = treeOfState(state);
  const where = (id: string) => tree.node(id)?.path ?? id;
  return state.policies
    .filter(isOwned)
    .map((p) => `${p.type} ${p.name} ${canonicalPolicyText(p.content).length} ${p.targets.map(where).sort().join(',')}`)
    .sort();
}

export function useExampleRollout(): RolloutHarness {
  let fx: ExampleRollout | undefined;
  let wanted: string[] = [];
  const started = () => {
    if (!fx) throw new Error('the example rollout is not started (useExampleRollout registers a beforeAll)');
    return fx;
  };

  /** What compile wants, from out/manifest.json: the same summary as ownedSummary of the organization. */
  const wantedSummary = (): string[] => {
    const dir = started().dir;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { policies: { name: string; type: string; file: string; targets: { target: string }[] }[] };
    return manifest.policies
      .map((p) => `${p.type} ${p.name} ${canonicalPolicyText(fs.readFileSync(path.join(dir, 'out', p.file), 'utf8')).length} ${p.targets.map((t) => t.target).sort().join(',')}`)
      .sort();
  };

  beforeAll(async () => {
    fx = await startExampleRollout();
    await fx.reset();
    wanted = wantedSummary();
  }, 300_000);

  afterAll(async () => {
    await fx?.stop();
  });

  /**
   * Runs `rollout --resume r-kill` as a child process and kills it (SIGKILL) at the first write where
   * `at` says so: asked before each write is forwarded (landed false) and after it landed (landed true).
   * 'done' when the run ended by itself (it must then have exited 0).
   */
  const runKilledAt = async (when: 'before' | 'after', at: (call: ProxyCall, landed: boolean) => boolean | Promise<boolean>): Promise<'killed' | 'done'> => {
    const f = started();
    const child = f.spawnCli(['rollout', '--live', '--bake', '0', '--resume', 'r-kill']);
    let killed = false;
    const start = f.proxy.counts.writes;
    for (let k = start + 1; k <= start + 200; k++) {
      for (const moment of ['before', 'after'] as const) {
        f.proxy.onWrite(k, moment, async (call) => {
          if (killed || !(await at(call, moment === 'after'))) return;
          if (moment !== when) return;
          killed = true;
          child.kill('SIGKILL');
          await child.exit;
        });
      }
    }
    const ended = await child.exit;
    await f.proxy.idle();
    if (!killed) {
      expect(ended.code, ended.stderr).toBe(0);
      return 'done';
    }
    expect(ended.signal, ended.stderr).toBe('SIGKILL');
    return 'killed';
  };

  /** A write of the plan's steps, not of the rollout lock (its creation, renewal or release). */
  const isStep = async (call: ProxyCall): Promise<boolean> => {
    if (call.operation === 'CreatePolicy') return call.body.Name !== ROLLOUT_LOCK_NAME;
    if (call.operation === 'UpdatePolicy') return call.body.Content !== undefined;
    if (call.operation === 'DeletePolicy') return (await started().read()).policies.find((p) => p.id === call.body.PolicyId)?.name !== ROLLOUT_LOCK_NAME;
    return true;
  };

  /** The killed run is resumed to its end: exit 0, the planned organization, no AWS rule ever broken. */
  const expectResumesToPlan = async (label: string): Promise<void> => {
    const f = started();
    const resumed = await f.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-kill']);
    expect(resumed.code, `${label}: ${resumed.stderr}`).toBe(0);
    expect(f.proxy.auditor.violations, label).toEqual([]);
    expect(ownedSummary(await f.read()), label).toEqual(wanted);
  };

  return {
    get fx() {
      return started();
    },
    get wanted() {
      return wanted;
    },
    ownedSummary,
    runKilledAt,
    isStep,
    expectResumesToPlan,
  };
}
