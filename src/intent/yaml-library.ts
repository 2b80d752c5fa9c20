/**
 * The library path of yaml-loader.ts: the `yaml` library's lexer, parser and composer, then our
 * converter, for every construct and every error the fast path leaves to it; bounded and linear as
 * yaml-loader.ts says.
 */
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, Parser, Scalar, type Alias, type CST, type Document, type Node } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics/index.js';
import type { SourceIndex } from '../diagnostics/source-index.js';
import { YAML_LIMITS, type LoadedDocument, type YamlLoadResult } from './yaml-document.js';

/**
 * AWS account ids are 12 digits and may start with 0; YAML reads an unquoted one as a number and drops
 * the leading zero. A plain scalar of exactly 12 digits is therefore kept as the string written.
 */
const ACCOUNT_ID_LIKE = /^\d{12}$/;

/**
 * Whether a lexeme counts toward the token bound: not a lexer mark (document start, end of a flow
 * error, scalar start: no text of the file), not spaces or line breaks, not a comment. Called for
 * every lexeme, so written without a regular expression.
 */
function significant(lexeme: string): boolean {
  const first = lexeme.charCodeAt(0);
  if (first === 0x23 || (lexeme.length === 1 && (first === 0x02 || first === 0x18 || first === 0x1f))) return false;
  for (let i = 0; i < lexeme.length; i++) {
    const c = lexeme.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return true;
  }
  return false;
}

/** The `yaml` library's lexer, parser and composer, then our converter: every construct, every error. */
export function loadYamlSlow(file: string, text: string, sources: SourceIndex): YamlLoadResult {
  sources.addText(file, text);
  const at = (offset: number) => sources.position(file, offset);
  const parsed = parseBounded(text);
  if (!parsed.ok) return { documents: [], diagnostics: [error(parsed.code, parsed.message, at(parsed.offset), parsed.hint)] };

  const diagnostics: Diagnostic[] = [];
  // Keys are checked for uniqueness while converting (with a set): the library compares each key
  // with every earlier one of its mapping.
  const list = [...new Composer({ uniqueKeys: false, strict: true }).compose(parsed.tokens)];
  for (const doc of list) {
    for (const e of doc.errors) diagnostics.push(error('yaml-syntax', firstLine(e.message), at(e.pos[0])));
    for (const w of doc.warnings) diagnostics.push(warning('yaml-warning', firstLine(w.message), at(w.pos[0])));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { documents: [], diagnostics };
  const documents: LoadedDocument[] = [];
  for (const doc of list) {
    const converter = new Converter(file, doc, sources, diagnostics);
    const contents = doc.contents as Node | null;
    let value: unknown;
    try {
      value = converter.convert(contents, 0);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return { documents: [], diagnostics: [...diagnostics.filter((d) => d.severity !== 'error'), e.diagnostic] };
    }
    documents.push({ value, start: contents?.range?.[0] ?? 0 });
  }
  // A key given twice leaves the mapping ambiguous: nothing of the file is used, as for a syntax error.
  if (diagnostics.some((d) => d.code === 'duplicate-key')) return { documents: [], diagnostics };
  return { documents, diagnostics };
}

type Parsed = { ok: true; tokens: CST.Token[] } | { ok: false; code: string; message: string; offset: number; hint?: string };

/**
 * Lexes and parses the text into CST tokens, stopping at the first bound exceeded: the parser keeps an
 * explicit stack, so nesting is measured here before the composer (which recurses) sees it.
 */
function parseBounded(text: string): Parsed {
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  let tokenCount = 0;
  let documents = 0;
  const take = (t: CST.Token): Parsed | undefined => {
    tokens.push(t);
    if (t.type === 'document' && ++documents > YAML_LIMITS.documents) {
      return { ok: false, code: 'yaml-too-large', message: `the file holds more than ${YAML_LIMITS.documents.toLocaleString('en-US')} YAML documents`, offset: t.offset, hint: 'split the intent into several files' };
    }
    return undefined;
  };
  for (const lexeme of new Lexer().lex(text)) {
    const start = parser.offset;
    if (significant(lexeme) && ++tokenCount > YAML_LIMITS.tokens) {
      return { ok: false, code: 'yaml-too-large', message: `the file holds more than ${YAML_LIMITS.tokens.toLocaleString('en-US')} YAML tokens (keys, values, indicators); an intent written by hand holds a few thousand`, offset: start, hint: 'split the intent into several files' };
    }
    for (const t of parser.next(lexeme)) {
      const refused = take(t);
      if (refused) return refused;
    }
    // The stack holds the document, each open collection and the token being read.
    if (parser.stack.length > YAML_LIMITS.depth + 2) {
      return { ok: false, code: 'yaml-too-deep', message: `collections nest more than ${YAML_LIMITS.depth} levels deep here`, offset: start, hint: 'an intent nests a dozen levels at most; look for an unclosed [ or {' };
    }
  }
  for (const t of parser.end()) {
    const refused = take(t);
    if (refused) return refused;
  }
  return { ok: true, tokens };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return line.charAt(0).toLowerCase() + line.slice(1);
}

/** A bound exceeded while converting: the file is refused with this one diagnostic. */
class Refusal extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

class Converter {
  private readonly anchorsInProgress = new Set<Node>();
  /** Each alias's node: the latest node before it with its anchor, found in one pass. */
  private readonly targets: Map<Alias, Node | undefined>;
  /** Values produced by expanding aliases so far. */
  private aliasValues = 0;
  /** The outermost alias being expanded, which a refusal names. */
  private expanding: Alias | undefined;
  private readonly text: string;

  constructor(
    private readonly file: string,
    doc: Document,
    private readonly sources: SourceIndex,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.targets = resolveAliases(doc.contents as Node | null);
    this.text = sources.text(file)!;
  }

  convert(node: Node | null | undefined, depth: number): unknown {
    if (!node) return null;
    if (this.expanding && ++this.aliasValues > YAML_LIMITS.aliasValues) {
      throw new Refusal(
        error(
          'yaml-alias-expansion',
          `aliases expand this file to more than ${YAML_LIMITS.aliasValues.toLocaleString('en-US')} values (expanding *${this.expanding.source} here)`,
          this.at(this.expanding),
          'anchors and aliases are for small shared pieces; an alias of an alias of a list multiplies its size',
        ),
      );
    }
    if (isAlias(node)) return this.alias(node, depth);
    if (isScalar(node)) return this.scalar(node);
    if (depth >= YAML_LIMITS.depth) {
      throw new Refusal(error('yaml-too-deep', `collections nest more than ${YAML_LIMITS.depth} levels deep here${this.expanding ? ` (expanding *${this.expanding.source})` : ''}`, this.at(this.expanding ?? node), 'an intent nests a dozen levels at most'));
    }
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      this.sources.register(obj, this.file, span(node));
      const written = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && keyNode.value === '<<' && keyNode.type === 'PLAIN') {
          this.merge(obj, pair.value as Node | null, depth);
          continue;
        }
        // IAM's `Null` operator written plainly is YAML's null: a key is a name, so it is read as written.
        const nullWord = isScalar(keyNode) && keyNode.value === null && keyNode.type === 'PLAIN' && /^(null|Null|NULL)$/.test(this.plainText(keyNode));
        if (!isScalar(keyNode) || (keyNode.value === null ? !nullWord : typeof keyNode.value === 'object')) {
          this.diagnostics.push(error('yaml-syntax', 'mapping keys must be plain names', this.at(keyNode)));
          continue;
        }
        const key = isScalar(keyNode) && keyNode.type === 'PLAIN' ? this.plainText(keyNode) : String(keyNode.value);
        if (written.has(key)) {
          // Reported once, where it is written: an alias's copy was reported at its anchor.
          if (!this.expanding) this.diagnostics.push(error('duplicate-key', `key "${key}" is already in this mapping; map keys must be unique`, this.at(keyNode)));
          continue;
        }
        written.add(key);
        const valueNode = pair.value as Node | null;
        setOwn(obj, key, this.convert(valueNode, depth + 1));
        const slot: { key: { start: number; end: number }; value?: { start: number; end: number } } = { key: span(keyNode) };
        if (valueNode && !(isScalar(valueNode) && valueNode.value === null && valueNode.range![0] === valueNode.range![1])) slot.value = span(valueNode);
        this.sources.registerSlot(obj, key, slot);
      }
      return obj;
    }
    if (isSeq(node)) {
      const arr: unknown[] = [];
      this.sources.register(arr, this.file, span(node));
      node.items.forEach((item, i) => {
        arr.push(this.convert(item as Node | null, depth + 1));
        if (item) this.sources.registerSlot(arr, i, { value: span(item as Node) });
      });
      return arr;
    }
    this.diagnostics.push(error('yaml-syntax', 'unsupported YAML construct', this.at(node)));
    return null;
  }

  private scalar(node: Scalar): unknown {
    if (node.type === 'PLAIN' && typeof node.value === 'number') {
      const written = this.plainText(node);
      if (ACCOUNT_ID_LIKE.test(written)) return written;
    }
    return node.value;
  }

  private plainText(node: Scalar): string {
    const [start, end] = node.range!;
    return this.text.slice(start, end).trim();
  }

  private alias(node: Alias, depth: number): unknown {
    const target = this.targets.get(node);
    if (!target) {
      this.diagnostics.push(error('yaml-syntax', `unknown alias *${node.source}`, this.at(node)));
      return null;
    }
    if (this.anchorsInProgress.has(target)) {
      this.diagnostics.push(error('yaml-syntax', `alias *${node.source} refers to itself`, this.at(node)));
      return null;
    }
    this.anchorsInProgress.add(target);
    const outermost = this.expanding === undefined;
    if (outermost) this.expanding = node;
    try {
      return this.convert(target, depth);
    } finally {
      this.anchorsInProgress.delete(target);
      if (outermost) this.expanding = undefined;
    }
  }

  /** YAML merge keys (`<<: *defaults`): keys already present win, as the YAML 1.1 merge spec says. */
  private merge(obj: Record<string, unknown>, source: Node | null, depth: number): void {
    const sources = isSeq(source) ? (source.items as Node[]) : [source];
    for (const s of sources) {
      const value = this.convert(s, depth);
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        this.diagnostics.push(error('yaml-syntax', 'a merge key (<<) needs a mapping or an alias to one', this.at(s)));
        continue;
      }
      for (const [k, v] of Object.entries(value)) {
        if (Object.hasOwn(obj, k)) continue;
        setOwn(obj, k, v);
        const loc = s ? span(s) : undefined;
        if (loc) this.sources.registerSlot(obj, k, { key: loc, value: loc });
      }
    }
  }

  private at(node: Node | null | undefined) {
    return this.sources.position(this.file, node?.range?.[0] ?? 0);
  }
}

/**
 * An alias names the latest node before it that carries its anchor (YAML 1.2, 7.1), in document
 * order: a node before its children, a key before its value. One pass finds every alias's node; the
 * library's `Alias.resolve` walks the whole document for each alias.
 */
function resolveAliases(root: Node | null): Map<Alias, Node | undefined> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  const visit = (node: unknown) => {
    if (isPair(node)) {
      visit(node.key);
      visit(node.value);
      return;
    }
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      return;
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isMap(node) || isSeq(node)) for (const item of node.items) visit(item);
  };
  visit(root);
  return targets;
}

/**
 * `obj[key] = value` with key `__proto__` would replace the object's prototype: the key would vanish
 * and its contents would show through as inherited properties. A defined property is just a key.
 */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // Object.prototype's only setter is __proto__: any other key assigned is an own data property, and
  // plain assignment keeps the object in V8's fast mode (defineProperty on every key cost ~5% of a load).
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function span(node: Node): { start: number; end: number } {
  const r = node.range ?? [0, 0, 0];
  return { start: r[0], end: r[1] };
}
