/**
 * Every account a control reaches must be reached by a wave: a table of attachments, exclusions and
 * waves, each with the accounts the wave-coverage error must name (none when every one is covered).
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { validateText } from '../support/intent.js';

const TREE = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Workloads:
        Prod:
          accounts: ["222222222222", "222222222223"]
        Dev:
          accounts: ["333333333333"]
      Sandbox:
        accounts: ["444444444444"]
`;

interface Case {
  name: string;
  attach: string;
  exclude?: string;
  waves: string[];
  /** Accounts the error names; [] when every reached account is in a wave. */
  missed: string[];
}

const CASES: Case[] = [
  { name: 'a last wave on the root covers everything', attach: '[Root]', waves: ['[Dev]', '[Root]'], missed: [] },
  { name: 'the management account needs no wave', attach: '[Root]', waves: ['[Workloads, Sandbox]'], missed: [] },
  { name: 'an OU no wave reaches', attach: '[Root]', waves: ['[Workloads]'], missed: ['444444444444'] },
  { name: 'an excluded OU needs no wave', attach: '[Root]', exclude: '[Sandbox]', waves: ['[Workloads]'], missed: [] },
  { name: 'an excluded account inside a missed OU', attach: '[Workloads]', exclude: '["222222222222"]', waves: ['[Dev]'], missed: ['222222222223'] },
  { name: 'a wave on an account covers only that account', attach: '[Prod]', waves: ['["222222222222"]'], missed: ['222222222223'] },
  { name: 'an attachment inside another is named once', attach: '[Workloads, Prod]', waves: ['[Dev]'], missed: ['222222222222', '222222222223'] },
  { name: 'an attachment inside an exclusion reaches nothing', attach: '[Root, Prod]', exclude: '[Workloads]', waves: ['[Sandbox]'], missed: [] },
  { name: 'a wave above the attachment covers it', attach: '[Dev]', waves: ['[Workloads]'], missed: [] },
];

describe('wave coverage', () => {
  it.each(CASES)('$name', async ({ attach, exclude, waves, missed }) => {
    const text = `${TREE}controls:
  c:
    kind: deny-actions
    actions: [iam:CreateUser]
    attach: ${attach}
${exclude ? `    exclude: ${exclude}\n` : ''}waves:
${waves.map((t, i) => `  - { name: w${i}, targets: ${t} }`).join('\n')}
`;
    const { diagnostics } = await validateText(text, await tempDir());
    const coverage = diagnostics.filter((d) => d.code === 'wave-coverage');
    if (missed.length === 0) {
      expect(coverage).toEqual([]);
      return;
    }
    expect(coverage).toHaveLength(1);
    expect(coverage[0]!.location?.line).toBe(19);
    const named = [...coverage[0]!.message.matchAll(/\d{12}/g)].map((m) => m[0]);
    expect(named.sort()).toEqual([...missed].sort());
  });
});
