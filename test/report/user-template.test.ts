/**
 * A notify template of the user's (`--template FILE`): named on the command line, but when it lies in the
 * repository it is the pull request's file, read through the same gate as every other input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/files/index.js';
import { readUserTemplate, renderNotify } from '../../src/report/index.js';
import type { NotifyResult } from '../../src/notify/index.js';
import { tempDir } from '../support/temp.js';

async function sandbox(): Promise<{ repo: string; outside: string }> {
  const root = fs.realpathSync(await tempDir());
  const repo = path.join(root, 'repo');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(repo);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'AWS_SECRET_ACCESS_KEY=canary\n');
  return { repo, outside };
}

describe('readUserTemplate', () => {
  it('refuses a template of the repository that resolves outside it', async () => {
    const { repo, outside } = await sandbox();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(repo, 'notify.md.hbs'));
    const read = await readUserTemplate('notify.md.hbs', repo);
    expect(read).toMatchObject({ ok: false, code: 'outside-repository' });
  });

  it('reads one the workflow names outside the repository, as named', async () => {
    const { repo, outside } = await sandbox();
    fs.writeFileSync(path.join(outside, 'mine.hbs'), '{{summary.actionsAdded}} new');
    const read = await readUserTemplate(path.join(outside, 'mine.hbs'), repo);
    expect(read).toEqual({ ok: true, template: { file: path.join(outside, 'mine.hbs'), text: '{{summary.actionsAdded}} new' } });
  });

  it('refuses one over the template size limit, and one that is not a regular file', async () => {
    const { repo } = await sandbox();
    fs.writeFileSync(path.join(repo, 'big.hbs'), 'x'.repeat(LIMITS.template + 1));
    expect(await readUserTemplate('big.hbs', repo)).toMatchObject({ ok: false, code: 'file-too-large' });
    fs.mkdirSync(path.join(repo, 'dir.hbs'));
    expect(await readUserTemplate('dir.hbs', repo)).toMatchObject({ ok: false, code: 'not-a-regular-file' });
  });
});

describe('a template of the user', () => {
  it('cannot write around the output with {{log}}', () => {
    const none = { servicesAdded: [], servicesRemoved: [], actionsAdded: [], actionsRemoved: [], accessLevelChanges: [], actionConditionKeyChanges: [], actionResourceTypeChanges: [], serviceConditionKeyChanges: [], serviceResourceTypeChanges: [] };
    const snapshot = { date: { date: '2026-08-22', basis: 'source-path' } };
    const result = { summary: { actionsAdded: 0, touchedControls: [] }, changes: none, impact: [], sensitiveAdditions: [], notes: [], from: snapshot, to: snapshot } as unknown as NotifyResult;
    expect(renderNotify(result, 'text', { template: { file: 'mine.hbs', text: '{{summary.actionsAdded}} new' } })).toEqual({ ok: true, text: '0 new' });
    const rendered = renderNotify(result, 'text', { template: { file: 'mine.hbs', text: '{{log "written to the console"}}' } });
    expect(rendered).toMatchObject({ ok: false });
    expect(rendered.ok ? '' : rendered.message).toBe('mine.hbs: {{log}} is not available: a template renders the notification and writes nothing else');
  });
});
