/**
 * The README's real escalation: the example organization on aws-legacy, Control Tower's three
 * guardrails on Workloads/Prod, and a control whose selectors mean 204 actions. Only that control's
 * group leaves level 1, to level 2 and no further, forced by Prod's slots.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledExampleRepo } from '../support/example-repo.js';

const FREEZE = `version: 1

controls:
  freeze-production-data:
    kind: deny-actions
    description: In production, only the database team changes databases and their backups.
    actions: ["rds:{Write}", "dynamodb:{Write}", "backup:{Write}"]
    exceptPrincipals: ["arn:aws:iam::*:role/DatabaseAdmin"]
    attach: [Workloads/Prod]

foreignPolicies:
  - { name: aws-guardrails-prod-1, type: scp, targets: [Workloads/Prod] }
  - { name: aws-guardrails-prod-2, type: scp, targets: [Workloads/Prod] }
  - { name: aws-guardrails-prod-3, type: scp, targets: [Workloads/Prod] }
`;

interface Manifest {
  policies: { name: string; level: number; escalatedFor?: string; chars: number; statements: { actions: number; introduced: string[] }[] }[];
}

describe("the README's escalation example", () => {
  it('one group to level 2 for the slots of Workloads/Prod, every other policy at level 1', async () => {
    const repo = await compiledExampleRepo();
    const org = path.join(repo.dir, 'guardrails', 'organization.yaml');
    fs.writeFileSync(org, fs.readFileSync(org, 'utf8').replace(/^quotas: aws-2026-05$/m, 'quotas: aws-legacy'));
    fs.writeFileSync(path.join(repo.dir, 'guardrails', 'freeze.yaml'), FREEZE);
    const r = await repo.cli(['compile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^guardrails-scp-freeze-production-data +SCP +1,576 \/ 5,120 +31% +1 +2 \(slots\) +Workloads\/Prod$/m);
    const manifest = JSON.parse(fs.readFileSync(path.join(repo.dir, 'out', 'manifest.json'), 'utf8')) as Manifest;
    const freeze = manifest.policies.filter((p) => p.name.startsWith('guardrails-scp-freeze'));
    expect(freeze.map((p) => [p.name, p.level, p.escalatedFor])).toEqual([['guardrails-scp-freeze-production-data', 2, 'slots: OU Root/Workloads/Prod needs 6 SCPs and holds 5']]);
    expect(freeze[0]!.statements[0]!.actions).toBe(204);
    const patterns = (JSON.parse(fs.readFileSync(path.join(repo.dir, 'out', 'guardrails-scp-freeze-production-data.json'), 'utf8')) as { Statement: { Action: string[] }[] }).Statement[0]!.Action;
    expect(patterns).toHaveLength(71);
    expect(patterns).toEqual(expect.arrayContaining(['rds:Create*', 'rds:Delete*', 'rds:Modify*', 'rds:Reboot*', 'rds:*DBCluster', 'backup:Delete*Vault', 'dynamodb:DeleteItem', 'dynamodb:PutItem']));
    expect(manifest.policies.filter((p) => p.level !== 1).map((p) => p.name)).toEqual(['guardrails-scp-freeze-production-data']);
  });
});
