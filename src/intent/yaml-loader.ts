/**
 * Reads YAML into plain values while recording where everything is (SourceIndex). Syntax errors,
 * duplicate keys and unsupported constructs become diagnostics with positions, never exceptions.
 */
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Document, type Node } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics/index.js';
import type { SourceIndex } from '../diagnostics/source-index.js';

export interface LoadedDocument {
  value: unknown;
  /** Offset where the document's content starts (after comments and `---`). */
  start: number;
}

export interface YamlLoadResult {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

/**
 * AWS account ids are 12 digits and may start with 0; YAML reads an unquoted one as a number and drops
 * the leading zero. A plain scalar of exactly 12 digits is therefore kept as the string written.
 */
const ACCOUNT_ID_LIKE = /^\d{12}$/;

export function loadYaml(file: string, text: string, sources: SourceIndex): YamlLoadResult {
  sources.addText(file, text);
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  const at = (offset: number) => sources.position(file, offset);
  for (const doc of list) {
    for (const e of doc.errors) {
      const code = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
      diagnostics.push(error(code, firstLine(e.message), at(e.pos[0])));
    }
    for (const w of doc.warnings) diagnostics.push(warning('yaml-warning', firstLine(w.message), at(w.pos[0])));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { documents: [], diagnostics };
  const documents: LoadedDocument[] = [];
  for (const doc of list) {
    const converter = new Converter(file, doc, sources, diagnostics);
    const contents = doc.contents as Node | null;
    documents.push({ value: converter.convert(contents), start: contents?.range?.[0] ?? 0 });
  }
  return { documents, diagnostics };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return line.charAt(0).toLowerCase() + line.slice(1);
}

class Converter {
  private readonly anchorsInProgress = new Set<Node>();

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly sources: SourceIndex,
    private readonly diagnostics: Diagnostic[],
  ) {}

  convert(node: Node | null | undefined): unknown {
    if (!node) return null;
    if (isAlias(node)) return this.alias(node);
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      this.sources.register(obj, this.file, span(node));
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && keyNode.value === '<<' && keyNode.type === 'PLAIN') {
          this.merge(obj, pair.value as Node | null);
          continue;
        }
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          this.diagnostics.push(error('yaml-syntax', 'mapping keys must be plain names', this.at(keyNode)));
          continue;
        }
        const key = isScalar(keyNode) && keyNode.type === 'PLAIN' ? this.plainText(keyNode) : String(keyNode.value);
        const valueNode = pair.value as Node | null;
        setOwn(obj, key, this.convert(valueNode));
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
        arr.push(this.convert(item as Node | null));
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
    return this.sources.text(this.file)!.slice(start, end).trim();
  }

  private alias(node: Alias): unknown {
    const target = node.resolve(this.doc) as Node | undefined;
    if (!target) {
      this.diagnostics.push(error('yaml-syntax', `unknown alias *${node.source}`, this.at(node)));
      return null;
    }
    if (this.anchorsInProgress.has(target)) {
      this.diagnostics.push(error('yaml-syntax', `alias *${node.source} refers to itself`, this.at(node)));
      return null;
    }
    this.anchorsInProgress.add(target);
    try {
      return this.convert(target);
    } finally {
      this.anchorsInProgress.delete(target);
    }
  }

  /** YAML merge keys (`<<: *defaults`): keys already present win, as the YAML 1.1 merge spec says. */
  private merge(obj: Record<string, unknown>, source: Node | null): void {
    const sources = isSeq(source) ? (source.items as Node[]) : [source];
    for (const s of sources) {
      const value = this.convert(s);
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
 * `obj[key] = value` with key `__proto__` would replace the object's prototype: the key would vanish
 * and its contents would show through as inherited properties. A defined property is just a key.
 */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function span(node: Node): { start: number; end: number } {
  const r = node.range ?? [0, 0, 0];
  return { start: r[0], end: r[1] };
}
