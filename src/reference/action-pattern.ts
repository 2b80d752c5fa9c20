/**
 * The action pattern language of the intent and of imported policies: IAM's own wildcards (`*`, `?`
 * anywhere in the name) plus the SCP pre-processor's extensions, access-level selectors and exclusions:
 *
 *   s3:GetObject            an action
 *   iam:*User*, s3:?etObject wildcards anywhere
 *   ec2:{Write}             every Write action of ec2
 *   ec2:{Write}{*Import*}   Write actions whose name matches *Import* (also written ec2:{Write}*Import*)
 *   ec2:{Write}{ImportImage} a name in braces after a level is a pattern without wildcards
 *   lambda:{Write}{Tagging} Write or Tagging actions (levels are disjoint, so several mean "any of")
 *   iam:{Exclude:ListUsers} remove matching actions from the statement (wildcards allowed)
 *   *                       every action
 */
import { ACCESS_LEVELS, parseAccessLevel, type KnownAccessLevel } from './access-level.js';
import { closestNames } from '../diagnostics/suggest.js';
import { wildcardTest } from '../policy/wildcard.js';

export interface ActionPattern {
  kind: 'include' | 'exclude';
  text: string;
  /** Service prefix, possibly with wildcards. */
  service: string;
  /** Action name glob ('*' when only a selector is given). */
  name: string;
  /** Access levels to keep (any of); undefined means every level. */
  levels?: KnownAccessLevel[];
}

export interface PatternSyntaxError {
  code: 'malformed-action' | 'unknown-access-level';
  message: string;
  hint?: string;
}

const SERVICE_CHARS = /^[A-Za-z0-9*?._-]+$/;
const NAME_CHARS = /^[A-Za-z0-9*?_.-]+$/;

export function parseActionPattern(text: string): ActionPattern | PatternSyntaxError {
  const trimmed = text.trim();
  if (trimmed !== text) return malformed(`"${text}" has leading or trailing whitespace`);
  if (text === '*') return { kind: 'include', text, service: '*', name: '*' };
  const colon = text.indexOf(':');
  if (colon < 0) return malformed(`"${text}" is not an action: write it as service:ActionName`, 'for example s3:GetObject or s3:Get*');
  const service = text.slice(0, colon);
  const body = text.slice(colon + 1);
  if (!service || !SERVICE_CHARS.test(service)) return malformed(`"${text}" has an invalid service prefix "${service}"`);
  if (!body) return malformed(`"${text}" has no action name after the colon`, `use ${service}:* for every action of the service`);

  const levels: KnownAccessLevel[] = [];
  let namePart: string | undefined;
  let exclude: string | undefined;
  let rest = body;
  while (rest.startsWith('{')) {
    const close = rest.indexOf('}');
    if (close < 0) return malformed(`"${text}" has an unclosed "{"`);
    const inner = rest.slice(1, close);
    rest = rest.slice(close + 1);
    const excludeMatch = /^exclude:(.*)$/i.exec(inner);
    if (excludeMatch) {
      if (exclude !== undefined || levels.length || namePart !== undefined) return malformed(`"${text}": {Exclude:...} must stand alone in its pattern`);
      exclude = excludeMatch[1]!;
      if (!exclude || !NAME_CHARS.test(exclude)) return malformed(`"${text}": {Exclude:...} needs an action name or wildcard pattern`);
      continue;
    }
    const level = parseAccessLevel(inner);
    if (level) {
      if (namePart !== undefined || exclude !== undefined) return malformed(`"${text}": access levels come before the name pattern`);
      if (!levels.includes(level)) levels.push(level);
      continue;
    }
    if (levels.length > 0 && namePart === undefined && NAME_CHARS.test(inner)) {
      namePart = inner;
      continue;
    }
    const near = closestNames(inner, ACCESS_LEVELS);
    return {
      code: 'unknown-access-level',
      message: `"${text}": {${inner}} is not an access level`,
      hint: near.length
        ? `did you mean {${near[0]}}? Access levels are ${ACCESS_LEVELS.map((l) => `{${l}}`).join(', ')}`
        : `access levels are ${ACCESS_LEVELS.map((l) => `{${l}}`).join(', ')}; a name pattern in braces must follow a level`,
    };
  }
  if (rest) {
    if (exclude !== undefined) return malformed(`"${text}": nothing may follow {Exclude:...}`);
    if (namePart !== undefined) return malformed(`"${text}" has two name patterns`);
    if (!NAME_CHARS.test(rest)) return malformed(`"${text}" has characters that cannot appear in an action name`);
    namePart = rest;
  }
  if (exclude !== undefined) return { kind: 'exclude', text, service, name: exclude };
  const pattern: ActionPattern = { kind: 'include', text, service, name: namePart ?? '*' };
  if (levels.length) pattern.levels = levels;
  return pattern;
}

export function isPatternError(p: ActionPattern | PatternSyntaxError): p is PatternSyntaxError {
  return 'code' in p;
}

export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/** A compiled action glob: `test` says whether an action name (or service prefix) matches. */
export interface ActionGlob {
  test(value: string): boolean;
}

/**
 * IAM's glob over action names and service prefixes: `*` any run of characters, `?` exactly one,
 * compared case-insensitively, in linear time (policy/wildcard.ts: no regular expression).
 */
export function actionGlob(glob: string): ActionGlob {
  return { test: wildcardTest(glob, { ignoreCase: true }) };
}

/**
 * The former name of actionGlob, for callers not yet renamed (reference-index.ts, notify/impact.ts):
 * it no longer builds a RegExp, whose backtracking took minutes on `iam:*?*?*?*?*?*?*?*?Z`.
 */
export const globToRegExp = actionGlob;

function malformed(message: string, hint?: string): PatternSyntaxError {
  return hint ? { code: 'malformed-action', message, hint } : { code: 'malformed-action', message };
}
