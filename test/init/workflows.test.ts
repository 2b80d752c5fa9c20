/**
 * The workflows init writes: valid YAML, every `guardrails` invocation a real command with real flags
 * (held against each command's --help), and the same text as the README's workflows, so that what the
 * README explains is what a project gets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMAND_HELP } from '../../src/cli/command-help.js';
import { installCommand, notifyWorkflow, pullRequestWorkflow } from '../../src/init/workflows.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT } from '../support/paths.js';

interface Workflow {
  jobs: Record<string, { steps: { run?: string; uses?: string; if?: string }[] }>;
}

const variants = [installCommand(true, '0.1.0'), installCommand(false, '0.1.0')];
const workflows = variants.flatMap((install) => [
  { name: `pull requests (${install})`, text: pullRequestWorkflow(install) },
  { name: `notify (${install})`, text: notifyWorkflow(install) },
]);

/** Each `npx guardrails COMMAND ARGS` in a shell script, up to the next operator or redirection. */
function invocations(script: string): { command: string; args: string[] }[] {
  return [...script.matchAll(/npx guardrails ((?:org |rollout )?[a-z]+)((?: +[^\s&|;>]+)*)/g)].map((m) => ({ command: m[1]!, args: m[2]!.trim().split(/ +/).filter(Boolean) }));
}

/** The long options a command's --help lists. */
async function optionsOf(command: string): Promise<Set<string>> {
  const help = (await runCli([...command.split(' '), '--help'])).stdout;
  return new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

function runs(text: string): string[] {
  const wf = parse(text) as Workflow;
  return Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));
}

/** The README's ```yaml blocks. */
function readmeYamlBlocks(): string[] {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('the workflows init writes', () => {
  it.each(workflows)('$name: valid YAML whose guardrails invocations are real commands and flags', async ({ text }) => {
    const scripts = runs(text);
    const calls = scripts.flatMap(invocations);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(Object.keys(COMMAND_HELP), call.command).toContain(call.command);
      const options = await optionsOf(call.command);
      for (const flag of call.args.filter((a) => a.startsWith('--'))) expect(options, `${call.command} ${flag}`).toContain(flag);
    }
  });

  it('install guardrails the project pins, or the version that wrote them', () => {
    expect(runs(pullRequestWorkflow(installCommand(true, '1.2.3')))[0]).toMatch(/^npm ci && npx guardrails compile /);
    expect(runs(notifyWorkflow(installCommand(false, '1.2.3')))[0]).toBe('npm install --no-save guardrails@1.2.3 && npx guardrails sync');
  });

  it("are the README's workflows, word for word", () => {
    const blocks = readmeYamlBlocks();
    expect(blocks).toContain(pullRequestWorkflow('npm ci'));
    expect(blocks).toContain(notifyWorkflow('npm ci'));
  });

  it("hold the steps of the README's code-scanning job", () => {
    const job = readmeYamlBlocks().find((b) => b.includes('upload-sarif') && !b.startsWith('#'));
    expect(job).toBeDefined();
    const steps = parse(job!) as { run?: string }[];
    const all = runs(pullRequestWorkflow('npm ci'));
    for (const s of steps.filter((s) => s.run)) expect(all).toContain(s.run!);
  });
});
