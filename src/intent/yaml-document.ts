/**
 * What loading a YAML intent file gives, whichever path reads it (yaml-fast.ts or the `yaml` library's,
 * yaml-library.ts), and the bounds both keep.
 */

import type { Diagnostic } from '../diagnostics/index.js';

export interface LoadedDocument {
  value: unknown;
  /** Offset where the document's content starts (after comments and `---`). */
  start: number;
}

export interface YamlLoadResult {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

export const YAML_LIMITS = {
  /** Tokens other than spaces, line breaks and comments: about two a value (the example's files: 50 to 400). */
  tokens: 250_000,
  documents: 1_000,
  /** Collections within collections, as written and as aliases expand them (the example: 10). */
  depth: 64,
  /** Values that aliases add to a file (a `<<: *defaults` in each of 300 controls: a few thousand). */
  aliasValues: 100_000,
} as const;
