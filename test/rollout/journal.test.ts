import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeWave } from '../../src/rollout/executor.js';
import { openJournal, readJournal, runState, runsOf, snapshotOf } from '../../src/rollout/journal.js';
import type { JournalRecord } from '../../src/rollout/types.js';
import { tempDir } from '../support/temp.js';
import { ScriptedOrg } from './scripted-org.js';
import { owesBake } from '../../src/rollout/run.js';

const at = '2026-12-05T08:00:00.000Z';
const digests = { deployed: 'a', out: 'b', intent: 'c' };
const snapshot = [{ name: 'guardrails-base', type: 'scp' as const, content: '{}', description: '', tags: { 'managed-by': 'guardrails' }, targets: ['r-root'] }];
const op = { op: 'attach' as const, policy: 'guardrails-base', type: 'scp' as const, target: { id: 'ou-a', label: 'OU A' } };

function runOne(run: string, waves: string[], ended: number): JournalRecord[] {
  const out: JournalRecord[] = [{ kind: 'run-start', run, at, command: 'guardrails rollout --live', caller: 'arn:aws:iam::1:role/r', organization: 'o-1', digests, waves, snapshot }];
  waves.forEach((wave, i) => {
    if (i > ended) return;
    out.push({ kind: 'wave-start', run, at, wave, steps: 1, leastSeconds: 1 });
    out.push({ kind: 'step-start', run, at, wave, index: 0, op, text: 'attach' });
    if (i === ended) return;
    out.push({ kind: 'step-end', run, at, wave, index: 0, result: 'done', attempts: 1, retries: {}, ms: 5 });
    out.push({ kind: 'verify', run, at, wave, ok: true, polls: 1, ms: 3, differences: [] });
    out.push({ kind: 'wave-end', run, at, wave, result: 'done', calls: 1, ms: 10 });
  });
  return out;
}

describe('journal', () => {
  it('appends records as JSON lines and reads them back', async () => {
    const file = path.join(await tempDir(), 'rollout.jsonl');
    const j = await openJournal(file);
    const records = runOne('run-1', ['canary', 'rest'], 5);
    await Promise.all(records.map((r) => j.append(r)));
    await j.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(records.length + 1);
    expect(readJournal(file)).toEqual({ records, problems: [] });
    // Opening again appends after what is there.
    const again = await openJournal(file);
    expect(again.repaired).toBeUndefined();
    await again.append({ kind: 'run-end', run: 'run-1', at, result: 'done', exitCode: 0 });
    await again.close();
    expect(readJournal(file).records).toHaveLength(records.length + 1);
  });

  it('reads a missing journal as empty', async () => {
    expect(readJournal(path.join(await tempDir(), 'none.jsonl'))).toEqual({ records: [], problems: [] });
  });

  it('tolerates a torn last line and reports it; opening to append cuts it off', async () => {
    const file = path.join(await tempDir(), 'rollout.jsonl');
    const records = runOne('run-1', ['canary'], 1);
    fs.writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n{"kind":"step-st`);
    const read = readJournal(file);
    expect(read.records).toEqual(records);
    expect(read.problems).toEqual([expect.stringMatching(/rollout\.jsonl:\d+: the last line is torn/)]);
    const j = await openJournal(file);
    expect(j.repaired).toMatch(/torn last line of 16 bytes/);
    await j.append({ kind: 'run-end', run: 'run-1', at, result: 'interrupted', exitCode: 3 });
    await j.close();
    expect(readJournal(file)).toEqual({ records: [...records, { kind: 'run-end', run: 'run-1', at, result: 'interrupted', exitCode: 3 }], problems: [] });
  });

  it('keeps a complete last record that lacks only its newline', async () => {
    const file = path.join(await tempDir(), 'rollout.jsonl');
    const records = runOne('run-1', ['canary'], 1);
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
    expect(readJournal(file)).toEqual({ records, problems: [] });
    const j = await openJournal(file);
    expect(j.repaired).toBeUndefined();
    await j.append({ kind: 'run-end', run: 'run-1', at, result: 'done', exitCode: 0 });
    await j.close();
    expect(readJournal(file).records).toHaveLength(records.length + 1);
  });

  it.each([
    ['malformed JSON', '{"kind":'],
    ['an unknown kind', JSON.stringify({ kind: 'nonsense', run: 'r', at })],
    ['a record without a run', JSON.stringify({ kind: 'run-end', at })],
    ['an empty line', ''],
  ])('refuses %s before the last line, naming the line', async (_what, bad) => {
    const file = path.join(await tempDir(), 'rollout.jsonl');
    const records = runOne('run-1', ['canary'], 1).map((r) => JSON.stringify(r));
    fs.writeFileSync(file, `${records[0]}\n${bad}\n${records[1]}\n`);
    expect(() => readJournal(file)).toThrow(/rollout\.jsonl:2: not a journal record/);
  });

  it('says which runs it holds, which waves ended, the unfinished step and the snapshot', () => {
    const records = [...runOne('run-1', ['canary', 'rest'], 5), { kind: 'run-end', run: 'run-1', at, result: 'done', exitCode: 0 } as JournalRecord, ...runOne('run-2', ['canary', 'early', 'rest'], 1)];
    const runs = runsOf(records);
    expect(runs.map((r) => r.run)).toEqual(['run-1', 'run-2']);
    expect(runs[1]!.waves.map((w) => [w.name, w.result])).toEqual([['canary', 'done'], ['early', undefined], ['rest', undefined]]);
    expect(runState(records, 'run-1')).toMatchObject({ wavesDone: ['canary', 'rest'], end: { result: 'done' } });
    expect(runState(records, 'run-1')!.nextWave).toBeUndefined();
    const last = runState(records)!;
    expect(last).toMatchObject({ run: 'run-2', wavesDone: ['canary'], nextWave: 'early', openWave: 'early', unfinishedStep: { wave: 'early', index: 0 } });
    expect(last.end).toBeUndefined();
    expect(runState(records, 'run-9')).toBeUndefined();
    expect(snapshotOf(records, 'run-2')).toEqual(snapshot);
    expect(snapshotOf(records, 'run-9')).toBeUndefined();
  });

  it('holds each step-start on disk before the call it announces is made', async () => {
    const file = path.join(await tempDir(), 'rollout.jsonl');
    const org = new ScriptedOrg();
    org.add({ name: 'guardrails-base', tags: { 'managed-by': 'guardrails' }, targets: ['r-root'] });
    const journal = await openJournal(file);
    const seen: string[] = [];
    const client = {
      send: async (command: unknown) => {
        const last = readJournal(file).records.at(-1)!;
        seen.push(`${last.kind} ${'index' in last ? last.index : ''}`);
        return org.send(command);
      },
    };
    const target = (id: string) => ({ id, label: id });
    const steps = [
      { op: 'attach' as const, policy: 'guardrails-base', type: 'scp' as const, target: target('ou-a') },
      { op: 'attach' as const, policy: 'guardrails-base', type: 'scp' as const, target: target('ou-b') },
    ];
    expect((await executeWave(steps, { client, state: org.state(), wave: 'canary', run: 'run-1', journal })).result).toBe('done');
    await journal.close();
    expect(seen).toEqual(['step-start 0', 'step-start 1']);
    expect(readJournal(file).records.map((r) => r.kind)).toEqual(['step-start', 'step-end', 'step-start', 'step-end']);
  });
});

describe('owesBake: a resumed run bakes again a wave it wrote and did not finish baking', () => {
  const at = '2026-12-05T00:00:00Z';
  const start = (wave: string, steps: number): JournalRecord => ({ kind: 'wave-start', run: 'r', at, wave, steps, leastSeconds: 1 });
  const end = (wave: string, result: 'done' | 'skipped' | 'halted' | 'interrupted'): JournalRecord => ({ kind: 'wave-end', run: 'r', at, wave, result, calls: 1, ms: 1 });
  it.each<[string, JournalRecord[], boolean]>([
    ['no history', [], false],
    ['wrote, killed before the wave ended', [start('canary', 3)], true],
    ['wrote, interrupted while baking', [start('canary', 3), end('canary', 'interrupted')], true],
    ['wrote, halted by a signal', [start('canary', 3), end('canary', 'halted')], true],
    ['wrote and baked', [start('canary', 3), end('canary', 'done')], false],
    ['baked, then written again and killed', [start('canary', 3), end('canary', 'done'), start('canary', 1)], true],
    ['started with nothing to write', [start('canary', 0)], false],
    ['another wave owes, not this one', [start('nonprod', 2)], false],
  ])('%s', (_, history, owed) => {
    expect(owesBake(history, 'canary')).toBe(owed);
  });
});
