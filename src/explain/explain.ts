/**
 * `guardrails explain`: what a compiled policy's patterns mean, for a reviewer who cannot expand
 * `iam:C*ser` in their head. Per statement (or one, by Sid) and per pattern (or one): the actions it
 * matches in the pinned reference, where it comes from (out/manifest.json records each statement's
 * controls and intent locations, and the wildcards compaction wrote), and, for a wildcard, the shape
 * of the actions AWS may add that it will also match: a wildcard is open-ended, and that is what a
 * reviewer must accept or not.
 */
import type { ManifestPolicy, ManifestSource, OutManifest } from '../compile/index.js';
import type { PolicyDocument, PolicyType, Statement } from '../policy/index.js';
import { hasWildcard, isPatternError, parseActionPattern, type ReferenceIndex } from '../reference/index.js';

export interface ExplainRequest {
  document: PolicyDocument;
  /** The file's entry in out/manifest.json, when there is one. */
  entry: ManifestPolicy | undefined;
  manifest: OutManifest | undefined;
  reference: ReferenceIndex;
  sid?: string;
  pattern?: string;
}

export interface ExplainedPattern {
  pattern: string;
  /** What it matches in the pinned reference, by the reference's names, sorted. */
  matches: string[];
  wildcard: boolean;
  /**
   * Who wrote it: the intent (or an imported or custom policy), compaction (the intent listed the
   * actions it matches today, not the pattern), or unknown (no manifest describes the statement).
   */
  writtenBy: 'intent' | 'compaction' | 'unknown';
  /** For a wildcard: the shape of the future actions it also matches, in words; null for a name. */
  openEnded: string | null;
  /** A name the reference does not have (AWS removed it, or a typo): it matches nothing today. */
  unknown: boolean;
}

export interface ExplainedStatement {
  /** 1-based position in the file. */
  index: number;
  sid: string | null;
  effect: Statement['effect'];
  element: 'Action' | 'NotAction';
  /** Actions the element matches together (NotAction: the actions exempted). */
  actions: number;
  sources: ManifestSource[];
  /** Set when the statement is a NotAction: it applies to every action but these, future ones too. */
  notActionNote: string | null;
  patterns: ExplainedPattern[];
}

export interface Explanation {
  policy: string | null;
  type: PolicyType | null;
  reference: { snapshotId: string; syncedOn: string | null };
  statements: ExplainedStatement[];
  /** Why provenance is missing or may be wrong (no manifest, a manifest of another file). */
  warnings: string[];
}

export type ExplainResult = { ok: true; explanation: Explanation } | { ok: false; code: 'unknown-sid' | 'unknown-pattern'; message: string };

/** How the caller found what it passes: the reference's sync day, and where the manifest was looked for. */
export interface ExplainContext {
  referenceSyncedOn: string | null;
  manifestPath: string;
}

export function explainPolicy(request: ExplainRequest, context: ExplainContext): ExplainResult {
  const { document, entry, reference } = request;
  const { referenceSyncedOn, manifestPath } = context;
  const warnings: string[] = [];
  const described = entry && statementsMatch(document.statements, entry) ? entry : undefined;
  if (!request.manifest) warnings.push(`there is no compile manifest at ${manifestPath}: where the statements come from is not known`);
  else if (!entry) warnings.push(`${manifestPath} does not list this file: where its statements come from is not known`);
  else if (!described) warnings.push(`${manifestPath} describes ${entry.file} with other statements than the file holds (out/ is stale: run guardrails compile): where they come from is left out`);
  if (request.manifest && request.manifest.reference.snapshotId !== reference.snapshotId) {
    warnings.push(`the policy was compiled against reference ${request.manifest.reference.snapshotId}, which is not in the cache; matches are against ${reference.snapshotId}`);
  }

  let selected = document.statements.map((s, i) => ({ s, i }));
  if (request.sid !== undefined) {
    const sid = request.sid;
    selected = selected.filter(({ s }) => s.sid === sid);
    if (!selected.length) {
      const sids = document.statements.flatMap((s) => (s.sid ? [s.sid] : []));
      return { ok: false, code: 'unknown-sid', message: `no statement has Sid ${JSON.stringify(sid)}; ${sids.length ? `the Sids of this policy: ${sids.join(', ')}` : 'no statement of this policy has a Sid'}` };
    }
  }
  const elementOf = (s: Statement) => (s.notAction ? 'NotAction' : 'Action');
  const patternsOf = (s: Statement) => s.notAction ?? s.action ?? [];
  if (request.pattern !== undefined) {
    const wanted = request.pattern;
    const found = selected.some(({ s }) => patternsOf(s).some((p) => samePattern(p, wanted)));
    if (!found) {
      const all = [...new Set(selected.flatMap(({ s }) => patternsOf(s)))];
      const shown = all.slice(0, 20).join(', ') + (all.length > 20 ? `, ... (${all.length - 20} more)` : '');
      return { ok: false, code: 'unknown-pattern', message: `no ${request.sid !== undefined ? `statement with Sid ${JSON.stringify(request.sid)}` : 'statement'} of this policy has the pattern ${JSON.stringify(wanted)}; its patterns: ${shown}` };
    }
    selected = selected.filter(({ s }) => patternsOf(s).some((p) => samePattern(p, wanted)));
  }

  const statements = selected.map(({ s, i }): ExplainedStatement => {
    const meta = described?.statements[i];
    const introduced = new Set((meta?.introduced ?? []).map((x) => x.toLowerCase()));
    const element = elementOf(s);
    const all = patternsOf(s);
    const effect = s.effect === 'Deny' ? (element === 'NotAction' ? 'exempted from the denial' : 'denied') : element === 'NotAction' ? 'left out of the allowance' : 'allowed';
    const patterns = all
      .filter((p) => request.pattern === undefined || samePattern(p, request.pattern))
      .map((p): ExplainedPattern => {
        const matches = matchNames(reference, p);
        const wildcard = hasWildcard(p);
        const writtenBy = !meta ? 'unknown' : introduced.has(p.toLowerCase()) ? 'compaction' : 'intent';
        return { pattern: p, matches, wildcard, writtenBy, openEnded: wildcard ? `${describeShape(p)} is ${effect} too` : null, unknown: !matches.length };
      });
    const union = new Set(all.flatMap((p) => matchNames(reference, p)));
    return {
      index: i + 1,
      sid: s.sid ?? null,
      effect: s.effect,
      element,
      actions: union.size,
      sources: meta?.sources ?? [],
      notActionNote:
        element === 'NotAction'
          ? `applies to every action but the ${union.size.toLocaleString('en-US')} its patterns match: every action AWS adds that none of them matches is ${s.effect === 'Deny' ? 'denied' : 'allowed'} too`
          : null,
      patterns,
    };
  });
  return {
    ok: true,
    explanation: {
      policy: entry?.name ?? null,
      type: entry?.type ?? null,
      reference: { snapshotId: reference.snapshotId, syncedOn: referenceSyncedOn },
      statements,
      warnings,
    },
  };
}

/** Action names are case-insensitive in AWS. */
function samePattern(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function matchNames(reference: ReferenceIndex, pattern: string): string[] {
  const parsed = parseActionPattern(pattern);
  if (isPatternError(parsed)) return [];
  return reference
    .match(parsed)
    .toArray()
    .map((id) => reference.actions[id]!.qualified)
    .sort();
}

/** The manifest's statements are the file's, one for one (same count, same Sids, same element). */
function statementsMatch(statements: readonly Statement[], entry: ManifestPolicy): boolean {
  return (
    entry.statements.length === statements.length &&
    entry.statements.every((m, i) => {
      const s = statements[i]!;
      return (m.sid ?? undefined) === s.sid && m.element === (s.notAction ? 'NotAction' : 'Action');
    })
  );
}

/**
 * The future actions a wildcard matches, in words: `iam:C*ser` is "any future iam action starting
 * with C and ending in ser"; `sts:*eA*` "any future sts action containing eA"; `*` every future action.
 */
export function describeShape(pattern: string): string {
  if (pattern === '*') return 'every future action of every service';
  const colon = pattern.indexOf(':');
  const service = colon < 0 ? pattern : pattern.slice(0, colon);
  const name = colon < 0 ? '*' : pattern.slice(colon + 1);
  const of = hasWildcard(service) ? `action of any service whose prefix matches ${service}` : `${service} action`;
  const oneChar = name.includes('?') ? ' (each ? standing for any one character)' : '';
  if (name === '*') return `any future ${of}`;
  if (!name.includes('*')) return `any future ${of} named like ${name}${oneChar}`;
  const pieces = name.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  const parts = [
    ...(first ? [`starting with ${first}`] : []),
    ...(middle.length ? [`containing ${middle.join(', then ')}`] : []),
    ...(last ? [`ending in ${last}`] : []),
  ];
  return `any future ${of}${parts.length ? ` ${parts.join(' and ')}` : ''}${oneChar}`;
}
