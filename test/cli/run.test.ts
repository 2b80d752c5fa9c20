import { describe, expect, it } from 'vitest';
import { describeInternalError } from '../../src/cli/run.js';

describe('an unexpected failure', () => {
  const failure = new Error('something broke');

  it('shows the message without a stack trace', () => {
    const text = describeInternalError(failure, {});
    expect(text).toContain('error internal: something broke\n');
    expect(text).not.toMatch(/^\s+at /m);
    expect(describeInternalError(failure, { GUARDRAILS_DEBUG: '0' })).not.toMatch(/^\s+at /m);
  });

  it('shows the stack when GUARDRAILS_DEBUG is set', () => {
    expect(describeInternalError(failure, { GUARDRAILS_DEBUG: '1' })).toMatch(/^error internal: Error: something broke\n\s+at /);
  });
});
