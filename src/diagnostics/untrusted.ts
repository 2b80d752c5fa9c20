/**
 * Text that came from outside (a server's error message, a name in an org snapshot or a mirror, a line
 * of an input file) is shown as inert text: no terminal escape sequence (ANSI colours, OSC 8 links or
 * title changes), no control character that rewrites what came before, no bidirectional override that
 * makes a reviewer read something else than what is there, and no more than a bounded length.
 * Output formats escape further for their own syntax (markdown, HTML); this is the floor for all.
 */

// C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters replaced by a visible escape (`\x1b`, `\u202e`), so what was there stays visible. */
export function inertText(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One line of inert text: newlines and tabs shown as escapes too. */
export function inertLine(s: string): string {
  return inertText(s).replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
}

/** At most `max` characters, saying how many were left out. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}... (${s.length - max} more characters)`;
}

/** What a server or a file says about itself, made safe to quote in one line of a message. */
export function quoteUntrusted(s: string, max = 200): string {
  return clip(inertLine(s), max);
}
