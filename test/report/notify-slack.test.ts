/**
 * notify --format slack: Block Kit objects built in code, within Slack's limits (slack-limits.json),
 * with real line breaks, names escaped, and only the tool's own links; on the real 2025 -> 2026
 * changes, stretched to many controls and long findings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { notify, type ImpactItem, type NotifyResult } from '../../src/notify/index.js';
import { renderNotify, slackMessage, SLACK_LIMITS } from '../../src/report/index.js';
import { reference2025, reference2026 } from '../support/reference.js';
import { slackViolations, textsOf, type Message } from './slack-limits.js';

let base: NotifyResult;
beforeAll(async () => {
  base = notify(await reference2025(), await reference2026(), undefined, undefined);
});

/** The real changes with `controls` touched, each by findings over the real new actions. */
function touched(controls: string[], itemsPerControl = 4): NotifyResult {
  const added = base.sensitiveAdditions;
  const impact: ImpactItem[] = controls.flatMap((control, c) =>
    Array.from({ length: itemsPerControl }, (_, n): ImpactItem => {
      const actions = added.slice((c * 7 + n * 13) % 900, ((c * 7 + n * 13) % 900) + 40);
      return n % 2
        ? { kind: 'uncovered', controls: [control], actions: actions.map((a) => ({ ...a, near: [{ by: 'resource-type', shared: 'user', like: 'iam:CreateUser' }] })), message: `control ${control} does not cover ${actions.length} new actions near actions it denies` }
        : { kind: 'deny-grew', controls: [control], policy: 'guardrails-scp-x', statement: 'X', pattern: 's3:*', actions, message: `s3:* in guardrails-scp-x (statement X) now also denies ${actions.length} new actions` };
    }),
  );
  return { ...base, impact, touched: true, summary: { ...base.summary, impacts: impact.length, touchedControls: [...controls].sort() } };
}

function message(result: NotifyResult): Message {
  const rendered = renderNotify(result, 'slack');
  if (!rendered.ok) throw new Error(rendered.message);
  return JSON.parse(rendered.text) as Message;
}

describe('the Slack message', () => {
  it('has a header, the counts as fields, both snapshots with their own dates, and the key, each text a real line break where it breaks', () => {
    const m = message(touched(['no-long-term-credentials']));
    expect(slackViolations(m)).toEqual([]);
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'divider', 'section', 'context', 'context']);
    expect(m.blocks[0]!.text).toEqual({ type: 'plain_text', text: 'AWS service reference: 1 guardrail touched' });
    expect(m.blocks[1]!.fields!.map((f) => f.text)).toEqual(['*Actions added*\n2,753', '*Actions removed*\n15', '*Access-level changes*\n36', '*New sensitive actions*\n1,519', '*Services added*\n30', '*Services removed*\n0']);
    expect(m.blocks[2]!.elements![0]!.text).toBe(`From \`${base.from.snapshotId}\` of 2025-08-30 (the date in its source's path) to \`${base.to.snapshotId}\` of 2026-08-22 (the date in its source's path): 357 days apart.`);
    const control = m.blocks[4]!.text!.text;
    expect(control.split('\n')[0]).toBe('*no-long-term-credentials*');
    expect(control).toMatch(/\n• new actions near what the control denies, not covered: /);
    expect(control).toMatch(/\n {6}◦ <https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/[a-z0-9-]+\/[a-z0-9-]+\.json\|[a-z0-9-]+:\w+> \([\w ]+\): same resource type user as iam:CreateUser\n/);
    expect(m.blocks.at(-1)!.elements![0]!.text).toBe(`Notification key: \`${base.key}\``);
    expect(m.metadata).toEqual({ event_type: 'guardrails_notify', event_payload: { key: base.key, from: base.from.snapshotId, to: base.to.snapshotId, touched: true, controls: ['no-long-term-credentials'] } });
    for (const { object } of textsOf(m)) if (object.type === 'mrkdwn') expect(object).toMatchObject({ verbatim: true });
  });

  it('keeps within every limit with many controls and long findings: 50 blocks, the rest said, 12,000 characters of blocks in all', () => {
    for (const n of [1, 7, 44, 45, 60, 200]) {
      const m = message(touched(Array.from({ length: n }, (_, i) => `control-${String(i).padStart(3, '0')}`), 6));
      expect(slackViolations(m), `${n} controls`).toEqual([]);
      const sections = m.blocks.filter((b) => b.text?.text.startsWith('*control-'));
      if (n <= 44) expect(sections, `${n} controls`).toHaveLength(n);
      else {
        expect(m.blocks).toHaveLength(SLACK_LIMITS.blocks);
        // The controls left out; the new sensitive actions and the key still close the message.
        const left = n - sections.length;
        expect(m.blocks.at(-2)!.elements![0]!.text).toMatch(/^New Write, Permissions management and Tagging actions \(1,519\): /);
        expect(m.blocks.at(-3)!.text!.text).toBe(`...and ${left} more section${left === 1 ? '' : 's'}: \`guardrails notify --json\` has the full result`);
      }
    }
  });

  it("cuts a control's section too long by whole lines, saying how many are left out, and uses the room it has", () => {
    const m = message(touched(['only-control'], 12));
    expect(slackViolations(m)).toEqual([]);
    const section = m.blocks[4]!.text!.text;
    expect(section).toMatch(/\n\.\.\.and \d+ more lines \(guardrails notify --json has them all\)$/);
    expect(section.length).toBeGreaterThan(SLACK_LIMITS.sectionText - 400);
  });

  it('escapes names from outside: no mention, channel link, URL or link of theirs; only the tool links, to the service reference', () => {
    const hostile = '<!channel> <@U0123> <http://evil.example|click> @here #general http://evil.example & done';
    const m = message(touched([`ctl${hostile}`]));
    expect(slackViolations(m)).toEqual([]);
    for (const { at, object } of textsOf(m)) {
      // The tool's own links, built from a service prefix: what is left must hold no link or mention.
      const rest = object.text.replace(/<https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/([a-z0-9._-]+)\/\1\.json\|[^<>|]+>/g, '');
      expect(rest, at).not.toMatch(/[<>]|@[a-z]|:\/\/|#[a-z]/i);
    }
    const section = m.blocks.find((b) => b.text?.text.startsWith('*ctl'))!.text!.text;
    expect(section.split('\n')[0]!.replace(/\u200b/g, '')).toBe('*ctl&lt;!channel&gt; &lt;@U0123&gt; &lt;http://evil.example|click&gt; @here #general http://evil.example &amp; done*');
  });

  it('has nothing to say about guardrails when none is touched, and still names the snapshots and the key', () => {
    const m = message(base);
    expect(slackViolations(m)).toEqual([]);
    expect(m.blocks[0]!.text!.text).toBe('AWS service reference: no guardrail touched');
    expect(m.blocks.filter((b) => b.type === 'section')).toHaveLength(1);
    expect(m.metadata!.event_payload).toMatchObject({ touched: false, controls: [] });
  });

  it('a Slack template of the user writes the payload, and may embed the blocks as built', () => {
    const result = touched(['a']);
    const rendered = renderNotify(result, 'slack', { template: { file: 'mine.hbs', text: '{"channel": "C0123", "text": {{json view.title}}, "blocks": {{json slack.blocks}} }' } });
    if (!rendered.ok) throw new Error(rendered.message);
    const payload = JSON.parse(rendered.text) as Message & { channel: string };
    expect(payload.channel).toBe('C0123');
    expect(payload.blocks).toEqual(slackMessage(result).blocks);
    expect(slackViolations(payload)).toEqual([]);
  });
});
