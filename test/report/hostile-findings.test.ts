/**
 * What IAM Access Analyzer answers is untrusted like any input: a finding whose details, issue code,
 * link and path carry markup, terminal escapes, a bidi override and CI workflow commands is shown inert
 * in the text on stderr and in its annotations under GitHub Actions, as no link in SARIF, and with the
 * same values in JSON; its code stays kebab-case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inertLine, inertText } from '../../src/diagnostics/index.js';
import { inertWriter, type CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { locate, startAccessAnalyzerServer, type AccessAnalyzerServer } from '../support/access-analyzer-server.js';
import { TEST_NOW } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { HOSTILE, RAW_CONTROL, WORKFLOW_COMMANDS } from './hostile-inputs.js';

const DETAILS = `Remove this${HOSTILE}\n${WORKFLOW_COMMANDS}`;

let server: AccessAnalyzerServer;
let repo: ExampleRepo;
beforeAll(async () => {
  server = await startAccessAnalyzerServer();
  repo = await compiledExampleRepo();
  server.findings((document) => [
    {
      findingType: 'SECURITY_WARNING',
      issueCode: `X${WORKFLOW_COMMANDS}</details>`,
      findingDetails: DETAILS,
      learnMoreLink: `javascript:alert(1)//${HOSTILE}`,
      locations: [locate(document, '"Effect"', [{ value: 'Statement' }, { index: 0 }, { value: `Effect${HOSTILE}` }])],
    },
    {
      findingType: `NEW_TYPE${HOSTILE}`,
      issueCode: '::error::',
      findingDetails: `[click](http://evil.example) ${WORKFLOW_COMMANDS}`,
      learnMoreLink: `https://docs.aws.amazon.com/x ${WORKFLOW_COMMANDS}`,
      locations: [],
    },
  ]);
});
afterAll(() => server.close());

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]) => ({ isTTY: false, write: (s: string) => into.push(s) }) as unknown as NodeJS.WritableStream;
  const io: CliIO = {
    stdout: inertWriter(stream(out), { workflowCommands: true }),
    stderr: inertWriter(stream(err), { clipLines: true, workflowCommands: true }),
    env: { CI: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_ACCESSANALYZER: server.url, ...env },
    cwd: repo.dir,
    now: () => TEST_NOW,
  };
  const code = await main([...args, '--access-analyzer', '--cache', repo.cache], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('a hostile ValidatePolicy answer', () => {
  it('on stderr under GitHub Actions: inert text, and no command but the annotations guardrails writes, titled by kebab-case codes', async () => {
    const r = await run(['validate'], { GITHUB_ACTIONS: 'true' });
    expect(r.code, r.stderr).toBe(0);
    const log = r.stdout + r.stderr;
    expect(log).not.toMatch(RAW_CONTROL);
    const ours = /^::(warning|error) (file=guardrails\/[a-z-]+\.yaml,line=\d+,col=\d+,)?title=[a-z0-9-]+::/;
    for (const line of log.split('\n')) {
      // An annotation of guardrails is one command: the runner reads its data as text, `##[` included.
      if (line.trimStart().startsWith('::')) expect(line, line).toMatch(ours);
      else expect(/##(vso)?\[/i.test(line), line).toBe(false);
    }
    const titles = [...r.stderr.matchAll(/^::warning [^\n]*?title=([^:]+)::/gm)].map((m) => m[1]);
    expect(titles.filter((t) => t!.startsWith('access-analyzer-x-stop-commands-pwned-add-mask-secret-error-fake'))).toHaveLength(6);
    expect(titles.filter((t) => t === 'access-analyzer-error')).toHaveLength(6);
    // The text line: the details on one line, their controls and workflow commands shown, not acting.
    expect(r.stderr).toContain(inertLine(DETAILS).replace(/##(vso)?\[/g, (m) => `${m.slice(0, -1)}\\u005b`));
    expect(r.stderr).toContain(`AWS's link, which is not an https URL: "javascript:alert(1)//`);
    expect(r.stderr).toContain(`IAM Access Analyzer finding of type "NEW_TYPE`);
  });

  it('in SARIF: no text that a viewer renders as a link, codes kebab-case', async () => {
    const r = await run(['compile', '--format', 'sarif'], {});
    expect(r.code).toBe(0);
    const results = (JSON.parse(r.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] }).runs[0]!.results.filter((x) => x.ruleId.startsWith('access-analyzer-'));
    expect(results.length).toBeGreaterThanOrEqual(12);
    for (const x of results) {
      expect(x.ruleId).toMatch(/^access-analyzer-[a-z0-9-]+$/);
      expect(x.message.text).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
    }
  });

  it('in JSON: the same values, inert', async () => {
    const r = await run(['validate', '--json'], {});
    const doc = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string; hint?: string }[] };
    const found = doc.diagnostics.filter((d) => d.code.startsWith('access-analyzer-'));
    expect(found.length).toBeGreaterThanOrEqual(12);
    for (const d of found) expect(d.message + (d.hint ?? '')).not.toMatch(RAW_CONTROL);
    expect(found[0]!.message).toContain(inertText(inertLine(DETAILS)));
  });
});
