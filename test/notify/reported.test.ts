/**
 * --reported: the issues a workflow opened, as gh issue list --json writes them, searched for the
 * notification's key; found whole, in any part of the body.
 */
import { describe, expect, it } from 'vitest';
import { findReported, notificationKey, parseReported } from '../../src/notify/index.js';

const KEY = notificationKey('af9563b27bd6ea0e', 'bcc65be016e9c1d7');

describe('findReported', () => {
  it.each([
    ['the hidden marker at the top of the body', `<!-- ${KEY} -->\n## AWS service reference`, true],
    ['the key in the footer, in code', `text\n<sub>Notification key: \`${KEY}\`.</sub>`, true],
    ['the key of another pair', `<!-- ${notificationKey('af9563b27bd6ea0e', 'bcc65be016e9c1d8')} -->`, false],
    ['a longer snapshot id is another key', `<!-- ${KEY}0 -->`, false],
    ['the pair in words, without the key', 'AWS service reference af9563b27bd6ea0e to bcc65be016e9c1d7', false],
    ['the key found after a longer one', `${KEY}f and ${KEY}.`, true],
  ])('%s', (_, body, found) => {
    expect(findReported([{ number: 7, body }], KEY) !== undefined).toBe(found);
  });

  it('answers the first issue holding it, without its body', () => {
    const issues = [{ number: 1, body: 'nothing' }, { number: 4, url: 'https://github.com/o/r/issues/4', state: 'CLOSED', body: `<!-- ${KEY} -->` }, { number: 9, body: KEY }];
    expect(findReported(issues, KEY)).toEqual({ number: 4, url: 'https://github.com/o/r/issues/4', state: 'CLOSED' });
  });
});

describe('parseReported', () => {
  it('reads what gh issue list --json number,url,state,body writes', () => {
    const text = JSON.stringify([{ number: 4, url: 'https://github.com/o/r/issues/4', state: 'OPEN', body: 'b', title: 'ignored' }]);
    expect(parseReported(text, 'r.json')).toEqual({ ok: true, issues: [{ number: 4, url: 'https://github.com/o/r/issues/4', state: 'OPEN', body: 'b' }] });
    expect(parseReported('[]', 'r.json')).toEqual({ ok: true, issues: [] });
  });

  it.each([
    ['not JSON', '[{', /^r\.json is not JSON: /],
    ['not a list', '{"body": "x"}', /^r\.json is not a JSON list of issues/],
    ['an entry without a body', '[{"number": 1}]', /^r\.json: entry 0 has no string "body"$/],
    ['a body that is not a string', '[{"body": 3}]', /^r\.json: entry 0 has no string "body"$/],
  ])('refuses %s', (_, text, message) => {
    const read = parseReported(text, 'r.json');
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.message).toMatch(message);
  });
});
