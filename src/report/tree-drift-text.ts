/**
 * Tree drift for a terminal and a pull-request comment. Names and paths come from the org snapshot,
 * as untrusted as the pull request: terminalText and markdownText/markdownCode write them.
 */
import type { TreeDrift, TreeDriftEntry } from '../plan/index.js';
import { markdownCode as code, markdownText as md, terminalText as t } from './escape.js';

function tally(d: TreeDrift): string {
  const count = (kind: 'ou' | 'account') => d.entries.filter((e) => e.kind === kind).length;
  const [accounts, ous] = [count('account'), count('ou')];
  return [accounts ? `${accounts} account${accounts === 1 ? '' : 's'}` : '', ous ? `${ous} OU${ous === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
}

function what(e: TreeDriftEntry): string {
  if (e.change === 'new') return `under ${e.parent}, not in the tree`;
  // The parent was recreated: same path, another OU.
  return e.parent === e.compiledParent ? `under ${e.parent}, another OU than the one compiled there` : `under ${e.parent}, compiled under ${e.compiledParent}`;
}

export function renderTreeDriftText(d: TreeDrift): string[] {
  if (!d.entries.length) return [];
  const out = [`DRIFT: ${tally(d)} in AWS ${d.entries.length === 1 ? 'is' : 'are'} not where ${t(d.compiledFor)} has ${d.entries.length === 1 ? 'it' : 'them'}; the guardrails placed for that tree do not reach ${d.entries.length === 1 ? 'it' : 'them'} as the intent says:`];
  for (const e of d.entries) out.push(`  ${e.change === 'new' ? 'new  ' : 'moved'} ${e.kind === 'ou' ? 'OU     ' : 'account'} ${t(e.id)} (${t(e.name)}) ${t(what(e))}`);
  out.push('to fix:', ...d.fix.map((f, i) => `  ${i + 1}. ${t(f)}`), '');
  return out;
}

export function renderTreeDriftMarkdown(d: TreeDrift): string[] {
  if (!d.entries.length) return [];
  const out = [`### Drift: ${tally(d)} not in the tree the policies were compiled for`, '', `The organization is not ${md(d.compiledFor)}: the guardrails placed for that tree do not reach these as the intent says.`, ''];
  out.push('| change | kind | id | name | parent in AWS | parent compiled |', '|---|---|---|---|---|---|');
  for (const e of d.entries) out.push(`| ${e.change} | ${e.kind === 'ou' ? 'OU' : 'account'} | ${code(e.id)} | ${md(e.name)} | ${code(e.parent)} | ${e.compiledParent !== undefined ? code(e.compiledParent) : 'not in the tree'} |`);
  out.push('', 'To fix:', '', ...d.fix.map((f, i) => `${i + 1}. ${md(f)}`), '');
  return out;
}
