/**
 * The request context: condition keys (case-insensitive) to their values. A single-valued key holds
 * one value, a multivalued key a list (possibly empty); a key that is absent is missing.
 */

export interface ContextEntry {
  values: string[];
  multivalued: boolean;
}

export class RequestContext {
  private readonly entries = new Map<string, ContextEntry>();

  set(key: string, value: string | number | boolean | readonly (string | number | boolean)[]): this {
    const multivalued = Array.isArray(value);
    const values = (multivalued ? value : [value]).map((v) => (typeof v === 'string' ? v : String(v)));
    this.entries.set(key.toLowerCase(), { values, multivalued });
    return this;
  }

  get(key: string): ContextEntry | undefined {
    return this.entries.get(key.toLowerCase());
  }

  has(key: string): boolean {
    return this.entries.has(key.toLowerCase());
  }

  delete(key: string): void {
    this.entries.delete(key.toLowerCase());
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
