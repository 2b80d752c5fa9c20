/**
 * The request context: condition keys (case-insensitive) to their values. A single-valued key holds
 * one value, a multivalued key a list (possibly empty); a key that is absent is missing.
 */

export interface ContextEntry {
  values: string[];
  multivalued: boolean;
}

/** Keys in lower case, remembered: the same few keys come back in every request. */
const lowerKeys = new Map<string, string>();
function lower(key: string): string {
  let l = lowerKeys.get(key);
  if (l === undefined) {
    l = key.toLowerCase();
    if (lowerKeys.size < 100_000) lowerKeys.set(key, l);
  }
  return l;
}

const text = (v: string | number | boolean): string => (typeof v === 'string' ? v : String(v));

export class RequestContext {
  private readonly entries = new Map<string, ContextEntry>();

  set(key: string, value: string | number | boolean | readonly (string | number | boolean)[]): this {
    if (Array.isArray(value)) this.entries.set(lower(key), { values: (value as readonly (string | number | boolean)[]).map(text), multivalued: true });
    else this.entries.set(lower(key), { values: [text(value as string | number | boolean)], multivalued: false });
    return this;
  }

  get(key: string): ContextEntry | undefined {
    return this.entries.get(lower(key));
  }

  has(key: string): boolean {
    return this.entries.has(lower(key));
  }

  delete(key: string): void {
    this.entries.delete(lower(key));
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clone(): RequestContext {
    const c = new RequestContext();
    for (const [k, v] of this.entries) c.entries.set(k, { values: [...v.values], multivalued: v.multivalued });
    return c;
  }
}
