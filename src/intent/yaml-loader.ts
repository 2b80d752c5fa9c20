/**
 * Reads YAML into plain values while recording where everything is (SourceIndex). Syntax errors,
 * duplicate keys and unsupported constructs become diagnostics with positions, never exceptions.
 *
 * Two paths, one result: yaml-fast.ts reads the plain subset intents are written in, in one pass,
 * and gives up on anything else (any construct outside the subset, any error, any file near a bound);
 * the `yaml` library's lexer, parser and composer, then our converter (yaml-library.ts), read the rest.
 * A big organization file costs a fraction on the fast path, where the library builds three trees.
 *
 * An intent file comes from a pull request, so what one file can make the loader do is bounded, each
 * bound far above any intent written by hand (YAML_LIMITS): the tokens it holds (the parser's memory),
 * the documents, how deep collections nest (the composer recurses), and how many values aliases may
 * add (a billion-laughs document of a few hundred bytes would otherwise expand to billions). Every
 * step is linear in the file: aliases are resolved from one pass over the document and duplicate keys
 * are found with a set, where the library's own ways are quadratic.
 */
import type { SourceIndex } from '../diagnostics/source-index.js';
import { YAML_LIMITS, type YamlLoadResult } from './yaml-document.js';
import { loadYamlFast } from './yaml-fast.js';

export { YAML_LIMITS, type LoadedDocument, type YamlLoadResult } from './yaml-document.js';

/**
 * The library path is imported on first use: intents are written in the subset the fast path reads, and
 * importing the library costs every command tens of milliseconds of start-up.
 */
export async function loadYaml(file: string, text: string, sources: SourceIndex): Promise<YamlLoadResult> {
  sources.addText(file, text);
  const fast = loadYamlFast(file, text, sources, FAST_LIMITS);
  if (fast) return { documents: [{ value: fast.value, start: fast.start }], diagnostics: [] };
  return (await import('./yaml-library.js')).loadYamlSlow(file, text, sources);
}

/**
 * The fast path leaves to the library path any file near a bound, so that the library path alone
 * decides, and reports, what exceeds one (the two count tokens slightly differently).
 */
const FAST_LIMITS = { tokens: Math.floor(YAML_LIMITS.tokens * 0.8), depth: YAML_LIMITS.depth - 16 };
