/**
 * Notify's markdown cut to --max-length, the last resort when even the shortest lists do not fit: the
 * text fits, and a <details> the cut falls into is closed (left open, it folds the closing note, and
 * whatever GitHub shows below the text, into it).
 */
import { describe, expect, it } from 'vitest';
import { cutToLength } from '../../src/report/notify-render.js';
import { renderGithub, tagCount } from './github-markdown.js';

const NOTE = 'Lists shortened to fit: guardrails notify --json gives every change in full.';
const TEXT = ['## title', '', 'summary line', '', '<details><summary>All changes</summary>', '', ...Array.from({ length: 200 }, (_, i) => `- \`svc${i}\` (3): a, b, c`), '', '</details>', ''].join('\n');

describe('cutToLength', () => {
  it('closes the <details> a markdown cut falls into, and fits the length', () => {
    for (let max = 150; max < TEXT.length; max += 97) {
      const cut = cutToLength(TEXT, max, NOTE, true);
      expect(cut.length, String(max)).toBeLessThanOrEqual(max);
      const html = renderGithub(cut).html;
      expect(tagCount(html, 'details'), String(max)).toBe(html.split('</details>').length - 1);
      if (cut.includes('<details>')) expect(cut.endsWith(`</details>\n\n${NOTE}\n`), String(max)).toBe(true);
    }
  });

  it('adds nothing to text', () => {
    expect(cutToLength(TEXT, 300, NOTE, false)).not.toContain('</details>');
  });
});
