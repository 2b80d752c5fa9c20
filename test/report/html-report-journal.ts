/**
 * A rollout journal of the example's waves whose canary wave halted: two calls (the second retried
 * twice when throttled), verification passed, the drift signal ok, the check command failing with a
 * detail an attacker could have written (markup, an escape sequence, a bidi override).
 */
export const HALT_DETAIL = 'exit 1: smoke test failed </script><img src=x onerror=window.hit=1> \u001b[2J \u202eevil';

export function haltedJournal(): string {
  const at = (s: number) => new Date(Date.parse('2026-11-21T09:00:00Z') + s * 1000).toISOString();
  const run = 'run-1';
  const op = { kind: 'attach', policy: 'guardrails-scp-x', target: '333333333333' };
  const records = [
    { kind: 'run-start', run, at: at(0), command: 'rollout --live', caller: 'arn:aws:sts::111111111111:assumed-role/deploy/ci', organization: 'o-exmpl12345', digests: {}, waves: ['canary', 'nonprod', 'genai', 'everything'], snapshot: [] },
    { kind: 'wave-start', run, at: at(1), wave: 'canary', steps: 2, leastSeconds: 1 },
    { kind: 'step-start', run, at: at(1), wave: 'canary', index: 0, op, text: 'create SCP guardrails-scp-x' },
    { kind: 'step-end', run, at: at(2), wave: 'canary', index: 0, result: 'done', attempts: 1, retries: {}, ms: 320 },
    { kind: 'step-start', run, at: at(2), wave: 'canary', index: 1, op, text: 'attach SCP guardrails-scp-x to payments-dev (333333333333)' },
    { kind: 'step-end', run, at: at(6), wave: 'canary', index: 1, result: 'done', attempts: 3, retries: { throttled: 2 }, ms: 4100 },
    { kind: 'verify', run, at: at(9), wave: 'canary', ok: true, polls: 2, ms: 3000, differences: [] },
    { kind: 'signal', run, at: at(300), wave: 'canary', signal: 'drift', ok: true, detail: 'no drift' },
    { kind: 'signal', run, at: at(600), wave: 'canary', signal: 'check', ok: false, detail: HALT_DETAIL },
    { kind: 'wave-end', run, at: at(600), wave: 'canary', result: 'halted', calls: 2, ms: 599000 },
    { kind: 'run-end', run, at: at(601), result: 'halted', exitCode: 1, reason: `wave canary: health signal check failed: ${HALT_DETAIL}` },
  ];
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
