import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../../src/rollout/check-command.js';
import { tempDir } from '../support/temp.js';

const options = (over: Partial<CheckOptions> = {}): CheckOptions => ({
  cwd: process.cwd(),
  env: { PATH: process.env.PATH, TEAM_SETTING: 'kept' },
  run: 'run-20261205-abc',
  wave: 'canary',
  accounts: ['333333333333', '444444444444'],
  phase: 'after-wave',
  timeoutMs: 30_000,
  ...over,
});

/** Whether a process has ended (a zombie waiting for its reaper counts as ended). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (/^\d+ \(.*\) Z/.test(stat)) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('runCheck (real child processes)', () => {
  it('runs the command through /bin/sh with the wave, its accounts, the phase and the run in its environment', async () => {
    const result = await runCheck('printf "%s|%s|%s|%s|%s|%s" "$GUARDRAILS_WAVE" "$GUARDRAILS_ACCOUNTS" "$GUARDRAILS_PHASE" "$GUARDRAILS_RUN" "$TEAM_SETTING" "$(pwd)" && true', options({ cwd: '/tmp', phase: 'bake-end' }));
    expect(result).toMatchObject({ ok: true, exitCode: 0, droppedBytes: 0 });
    expect(result.output).toBe(`canary|333333333333,444444444444|bake-end|run-20261205-abc|kept|/tmp`);
    expect(result.stopped).toBeUndefined();
  });

  it('fails with the exit code and keeps stderr with stdout', async () => {
    const result = await runCheck('echo checking; echo "alarm latency-p99 is ALARM" >&2; exit 3', options());
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
    expect(result.output).toBe('checking\nalarm latency-p99 is ALARM\n');
  });

  it('a command that does not exist fails like the shell says (127)', async () => {
    const result = await runCheck('guardrails-no-such-command-xyz', options());
    expect(result).toMatchObject({ ok: false, exitCode: 127 });
    expect(result.output).toContain('not found');
  });

  it('keeps only the end of a long output', async () => {
    const result = await runCheck('head -c 100000 /dev/zero | tr "\\0" x; echo; echo END', options({ outputBytes: 4096 }));
    expect(result.ok).toBe(true);
    expect(Buffer.byteLength(result.output)).toBe(4096);
    expect(result.output.endsWith('x\nEND\n')).toBe(true);
    expect(result.droppedBytes).toBe(100000 + 1 + 4 - 4096);
  });

  it('does not split a character where the kept output begins', async () => {
    // 3-byte characters: 4096 is not a multiple of 3, so the cut falls inside one.
    const result = await runCheck('i=0; while [ $i -lt 2000 ]; do printf "€"; i=$((i+1)); done', options({ outputBytes: 4096 }));
    expect(result.output).toMatch(/^€+$/);
    expect(result.output.length).toBe(Math.floor(4096 / 3));
  });

  it('a timeout ends the command and everything it started', async () => {
    const dir = await tempDir();
    const pidFile = path.join(dir, 'pid');
    const result = await runCheck(`sleep 60 & echo $! > ${pidFile}; wait`, options({ timeoutMs: 1_500, graceMs: 2_000 }));
    expect(result).toMatchObject({ ok: false, exitCode: null, stopped: 'timeout', killedBy: 'SIGTERM' });
    expect(await gone(Number(await fs.readFile(pidFile, 'utf8')))).toBe(true);
  });

  it('a command that ignores SIGTERM is killed after the grace period', async () => {
    // The timeout leaves the shell time to set its trap even on a loaded machine.
    const result = await runCheck("trap '' TERM; sleep 60", options({ timeoutMs: 1_000, graceMs: 200 }));
    expect(result).toMatchObject({ ok: false, stopped: 'timeout', killedBy: 'SIGKILL' });
  });

  it('an interruption stops it', async () => {
    const stop = new AbortController();
    const running = runCheck('echo started; sleep 60', options({ signal: stop.signal }));
    setTimeout(() => stop.abort(), 200);
    const result = await running;
    expect(result).toMatchObject({ ok: false, stopped: 'interrupted' });
    const already = await runCheck('echo never', options({ signal: stop.signal }));
    expect(already).toMatchObject({ ok: false, stopped: 'interrupted', output: '' });
  });

  it('does not wait for what a successful command left running, and ends it', async () => {
    const dir = await tempDir();
    const pidFile = path.join(dir, 'pid');
    const result = await runCheck(`sleep 60 & echo $! > ${pidFile}; echo done`, options());
    expect(result).toMatchObject({ ok: true, exitCode: 0, output: 'done\n' });
    expect(await gone(Number(await fs.readFile(pidFile, 'utf8')))).toBe(true);
  });

  it('a missing working directory is an error, not a throw', async () => {
    const result = await runCheck('true', options({ cwd: '/nonexistent/guardrails-check' }));
    expect(result.ok).toBe(false);
    expect(result.error).toContain('/nonexistent/guardrails-check');
  });
});

describe('runCheck without a timeout', () => {
  it('an infinite timeout is no timeout (a Node timer that long would fire at once)', async () => {
    const result = await runCheck('sleep 0.2; echo done', options({ timeoutMs: Infinity }));
    expect(result).toMatchObject({ ok: true, output: 'done\n' });
    expect(result.stopped).toBeUndefined();
  });
});
