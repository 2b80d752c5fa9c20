/**
 * Names from an org snapshot, the intent or a mirror, escaped for where they are printed: rendered the way
 * GitHub renders a comment, a hostile name neither acts nor breaks what surrounds it, and can still be read.
 */
import { describe, expect, it } from 'vitest';
import { inertLine } from '../../src/diagnostics/index.js';
import { markdownCode, markdownFence, markdownText, slackText, terminalText } from '../../src/report/escape.js';
import { liveMarkup, renderGithub, tagCount, textOf } from './github-markdown.js';

export const HOSTILE_NAMES = [
  '</details><!--',
  '<!-- the rest is hidden',
  '@security-team please approve',
  '[x](http://evil.example)',
  '![pixel](http://evil.example/p.png)',
  '<img src=x onerror=alert(1)><script>alert(1)</script>',
  '\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007',
  '\u001b[2J\u001b[31mred',
  '\u202eevil\u2066',
  'a | b | c',
  '`code` and ``` a fence',
  '*em* _em_ ~~del~~ **strong** __strong__',
  'http://evil.example/x www.evil.example mail@evil.example',
  'fixes #1 and GH-1',
  '$x^2$ and $$y$$',
  'line one\n# a heading\n- a list',
  '&lt;b&gt; &amp; &#64;team',
  'back\\slash \\* \\| \\`',
  '&#8203;',
];

const ZWSP = /\u200b/g;

/** Each context a name is placed in by the renderers, and what must hold around it. */
const CONTEXTS: { name: string; wrap: (escaped: string) => string; check: (html: string) => void }[] = [
  { name: 'a paragraph', wrap: (e) => `Deployed state: ${e}, read today.`, check: (html) => expect(tagCount(html, 'p')).toBe(1) },
  { name: 'bold in a list item', wrap: (e) => `- **SCP, ${e}**: 2 accounts`, check: (html) => expect(tagCount(html, 'strong')).toBe(1) },
  {
    name: 'a table cell',
    wrap: (e) => `| target | type |\n|---|---|\n| ${e} | SCP |`,
    check: (html) => {
      expect(tagCount(html, 'td')).toBe(2);
      expect(html).toMatch(/<td>SCP<\/td>/);
    },
  },
  {
    name: 'a <details> summary',
    wrap: (e) => `<details><summary><code>${e}</code> (update)</summary>\n\nbody\n\n</details>\n\nafter`,
    check: (html) => {
      expect(tagCount(html, 'details')).toBe(1);
      expect(html.match(/<\/details>/g)).toHaveLength(1);
      expect(html).toMatch(/<\/details>\s*<p>after<\/p>\s*$/);
    },
  },
];

describe('markdownText', () => {
  for (const raw of HOSTILE_NAMES) {
    for (const context of CONTEXTS) {
      it(`keeps ${JSON.stringify(raw)} inert and readable in ${context.name}`, () => {
        const escaped = markdownText(raw);
        expect(escaped).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        const rendered = renderGithub(context.wrap(escaped));
        expect(liveMarkup(rendered)).toEqual([]);
        context.check(rendered.html);
        expect(tagCount(rendered.html, 'em') + tagCount(rendered.html, 's') + tagCount(rendered.html, 'del') + tagCount(rendered.html, 'h1') + tagCount(rendered.html, 'li')).toBe(context.name === 'bold in a list item' ? 1 : 0);
        // Still there to read: every character, control characters as their escapes.
        expect(rendered.text.replace(ZWSP, '')).toContain(inertLine(raw));
      });
    }
  }
});

describe('markdownCode', () => {
  it('is a plain code span for a plain name, as before', () => {
    expect(markdownCode('guardrails-rcp-tls-minimum')).toBe('`guardrails-rcp-tls-minimum`');
    expect(markdownCode('s3:GetObject')).toBe('`s3:GetObject`');
  });

  for (const raw of HOSTILE_NAMES) {
    it(`keeps ${JSON.stringify(raw)} inert and in one cell as code`, () => {
      const rendered = renderGithub(`| policy | type |\n|---|---|\n| ${markdownCode(raw)} | SCP |\n\n- ${markdownCode(raw)}, ${markdownCode('s3:GetObject')}`);
      expect(liveMarkup(rendered)).toEqual([]);
      expect(tagCount(rendered.html, 'td')).toBe(2);
      expect(tagCount(rendered.html, 'code')).toBe(3);
      expect(rendered.text.replace(ZWSP, '')).toContain(inertLine(raw));
    });
  }
});

describe('markdownFence', () => {
  it('fences a text with backticks of its own longer than any run in it, so it cannot close the block', () => {
    const diff = '-  "Sid": "a"\n```\n</details><!--\n+  "Sid": "b ````"';
    const lines = markdownFence(diff, 'diff');
    expect(lines[0]).toBe('`````diff');
    const rendered = renderGithub(`<details><summary>p</summary>\n\n${lines.join('\n')}\n\n</details>\n\nafter`);
    expect(tagCount(rendered.html, 'pre')).toBe(1);
    expect(rendered.html).not.toContain('<!--');
    expect(rendered.html.match(/<\/details>/g)).toHaveLength(1);
    expect(textOf(/<pre>[\s\S]*<\/pre>/.exec(rendered.html)![0])).toBe(`${diff}\n`);
  });

  it('shows control characters inside the block as escapes', () => {
    expect(markdownFence('+ "\u001b[2J"').join('\n')).toBe('```\n+ "\\x1b[2J"\n```');
  });
});

describe('slackText', () => {
  it("escapes what Slack parses (&, <, >) and breaks mentions, channel links and URLs with a zero-width space", () => {
    const escaped = slackText('<!channel> <@U123> <http://evil.example|click> @here #general http://evil.example www.evil.example & \u001b[2J');
    expect(escaped).not.toMatch(/[<>\u001b]|&(?!amp;|lt;|gt;)/);
    expect(escaped).not.toMatch(/@[a-z]|#[a-z]|:\/\/|www\./i);
    expect(escaped.replace(ZWSP, '')).toBe('&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; @here #general http://evil.example www.evil.example &amp; \\x1b[2J');
  });
});

describe('terminalText', () => {
  it('is one line without escape sequences', () => {
    expect(terminalText('a\u001b]0;title\u0007\nb\u202e')).toBe('a\\x1b]0;title\\x07\\nb\\u202e');
  });
});
