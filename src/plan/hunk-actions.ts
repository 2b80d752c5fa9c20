/**
 * What a hunk of a policy's line diff does to actions. A compile may spell the same actions another
 * way (a sync, another cover): the hunk then changes lines and nothing else, and the reviewer should
 * be told so rather than expand `cloudtrail:Sto*g` and `cloudtrail:*p*g` by hand. Otherwise the
 * reviewer is told which actions the changed lines add and remove. Both against the pinned reference:
 * the patterns of the hunk's removed lines and of its added lines, expanded, compared as sets.
 *
 * Only lines of Action and NotAction lists count; the texts are in out/'s layout (renderPolicyFile),
 * one pattern per line, so each line is one pattern.
 */
import { isPatternError, parseActionPattern, type ReferenceIndex } from '../reference/index.js';

export interface HunkActions {
  /** The hunk's range, as in its header: `-12,6 +12,7`. */
  range: string;
  /** Which lists its changed action lines are in. */
  element: 'Action' | 'NotAction' | 'Action and NotAction';
  /** The removed and the added lines match the same actions: only the spelling changed. */
  respelled: boolean;
  /** The hunk also changes lines that are not actions (a condition, a resource): the note is about its actions only. */
  otherLinesChanged: boolean;
  /** Actions matched by the removed lines, and by the added lines. */
  before: number;
  after: number;
  /**
   * Matched by the added lines and not by the removed ones, and the other way round: how many, and
   * the first KEPT of them, sorted (a changed `*` line matches every action of the reference).
   */
  addedCount: number;
  removedCount: number;
  added: string[];
  removed: string[];
}

/** Names kept per list in the report; the counts are exact. */
export const KEPT = 100;

export interface PatchHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

export type ActionLine = { pattern: string; element: 'Action' | 'NotAction' };

/** Lines that only hold the layout together: a bracket, a brace, the opening of an action list. */
const STRUCTURE = /^\s*(?:"(?:Action|NotAction)": \[|[[\]{}],?)$/;

/** The action lines of a policy text in out/'s layout, by line number (1-based). */
export function actionLines(text: string): Map<number, ActionLine> {
  const found = new Map<number, ActionLine>();
  let list: 'Action' | 'NotAction' | undefined;
  text.split('\n').forEach((line, i) => {
    if (list) {
      if (/^\s*\],?$/.test(line)) list = undefined;
      else {
        const pattern = jsonString(line.trim().replace(/,$/, ''));
        if (pattern !== undefined) found.set(i + 1, { pattern, element: list });
      }
      return;
    }
    const opening = /^\s*"(Action|NotAction)": \[$/.exec(line);
    if (opening) {
      list = opening[1] as 'Action' | 'NotAction';
      return;
    }
    const single = /^\s*"(Action|NotAction)": ("(?:[^"\\]|\\.)*"),?$/.exec(line);
    const pattern = single ? jsonString(single[2]!) : undefined;
    if (single && pattern !== undefined) found.set(i + 1, { pattern, element: single[1] as 'Action' | 'NotAction' });
  });
  return found;
}

function jsonString(text: string): string | undefined {
  if (!text.startsWith('"')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** What the hunk does to actions (the sides' action lines from actionLines); undefined when it changes no action line. */
export function hunkActions(hunk: PatchHunk, oldLines: ReadonlyMap<number, ActionLine>, newLines: ReadonlyMap<number, ActionLine>, reference: ReferenceIndex | undefined): HunkActions | undefined {
  const removedLines: ActionLine[] = [];
  const addedLines: ActionLine[] = [];
  let otherLinesChanged = false;
  let o = hunk.oldStart;
  let n = hunk.newStart;
  for (const line of hunk.lines) {
    if (line.startsWith('-')) {
      const a = oldLines.get(o++);
      if (a) removedLines.push(a);
      else otherLinesChanged ||= !STRUCTURE.test(line.slice(1));
    } else if (line.startsWith('+')) {
      const a = newLines.get(n++);
      if (a) addedLines.push(a);
      else otherLinesChanged ||= !STRUCTURE.test(line.slice(1));
    } else if (line.startsWith(' ')) {
      o++;
      n++;
    }
  }
  if (!removedLines.length && !addedLines.length) return undefined;
  const before = expand(removedLines.map((l) => l.pattern), reference);
  const after = expand(addedLines.map((l) => l.pattern), reference);
  const added = [...after].filter((a) => !before.has(a)).sort();
  const removed = [...before].filter((a) => !after.has(a)).sort();
  const elements = new Set([...removedLines, ...addedLines].map((l) => l.element));
  return {
    range: `-${hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart},${hunk.oldLines} +${hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart},${hunk.newLines}`,
    element: elements.size === 2 ? 'Action and NotAction' : [...elements][0]!,
    respelled: removedLines.length > 0 && addedLines.length > 0 && !added.length && !removed.length,
    otherLinesChanged,
    before: before.size,
    after: after.size,
    addedCount: added.length,
    removedCount: removed.length,
    added: added.slice(0, KEPT),
    removed: removed.slice(0, KEPT),
  };
}

/**
 * The actions a list of patterns matches in the reference, by their names there; a name the
 * reference does not know (an action AWS removed) stands for itself, and so does every pattern when
 * there is no reference.
 */
function expand(patterns: readonly string[], reference: ReferenceIndex | undefined): Set<string> {
  const names = new Set<string>();
  for (const text of patterns) {
    const parsed = reference ? parseActionPattern(text) : undefined;
    if (!reference || !parsed || isPatternError(parsed)) {
      names.add(text);
      continue;
    }
    const matched = reference.match(parsed).toArray();
    if (!matched.length) names.add(text);
    for (const id of matched) names.add(reference.actions[id]!.qualified);
  }
  return names;
}

/** Shown per list of actions under a hunk; the JSON report keeps more (KEPT). */
const LISTED = 20;

/** One line for a hunk's header: what its action lines change. */
export function hunkNote(h: HunkActions): string {
  const where = h.element === 'Action' ? '' : ` (${h.element})`;
  const other = h.otherLinesChanged ? '; other lines change too' : '';
  if (h.respelled) return `respelled: same ${h.after} action${h.after === 1 ? '' : 's'}${where}${other}`;
  return `${h.addedCount} action${h.addedCount === 1 ? '' : 's'} added, ${h.removedCount} removed${where}${other}`;
}

/** The lines under a hunk listing what it adds and removes (none for a respelling). */
export function hunkLists(h: HunkActions): string[] {
  const list = (names: string[], count: number) => `${names.slice(0, LISTED).join(', ')}${count > LISTED ? `, ... (${count - LISTED} more)` : ''}`;
  return [...(h.addedCount ? [`# added: ${list(h.added, h.addedCount)}`] : []), ...(h.removedCount ? [`# removed: ${list(h.removed, h.removedCount)}`] : [])];
}

/**
 * The unified diff with each hunk that changes actions annotated: its header ends with hunkNote
 * (where git puts a function name, so the patch still applies), and the lists follow its lines as
 * `#` lines, for the reader.
 */
export function noteHunks(patch: string, hunks: readonly (HunkActions | undefined)[]): string {
  const lines = patch.split('\n');
  const out: string[] = [];
  let index = -1;
  const flush = () => {
    const h = index >= 0 ? hunks[index] : undefined;
    if (h) out.push(...hunkLists(h));
  };
  for (const line of lines) {
    if (line.startsWith('@@ ')) {
      flush();
      index++;
      const h = hunks[index];
      out.push(h ? `${line} ${hunkNote(h)}` : line);
      continue;
    }
    out.push(line);
  }
  // The patch ends with a newline: the lists of the last hunk go before it.
  const trailing = out.length && out[out.length - 1] === '' ? out.pop() : undefined;
  flush();
  if (trailing !== undefined) out.push(trailing);
  return out.join('\n');
}
