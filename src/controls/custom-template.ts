/**
 * Rendering a custom control's handlebars template, which a pull request writes. A template may read
 * its values and render JSON, nothing else:
 *   - the language is a subset, checked on the parsed template before compiling, every refusal at its
 *     line and column: values, `{{json x}}`, `{{lookup x y}}`, and the blocks each, if, unless and
 *     with. No partials and no decorators (an inline partial that calls itself twice is a billion
 *     laughs), no `{{log}}` (it writes to the CI log), nesting within TEMPLATE_DEPTH;
 *   - properties a value does not own (constructor, __proto__, toString) resolve to nothing, silently
 *     (Handlebars' defaults, made explicit so that it does not log either);
 *   - what it produces is metered while it renders: each block rendered, each string read and each
 *     value written as JSON spends from a budget, so nested #each over large parameters stops with an
 *     error instead of exhausting memory; the output is at most LIMITS.renderedTemplate.
 * `{{x}}` writes a string escaped for the inside of a JSON string (quotes, backslashes and control
 * characters), so a parameter can never close the string it is written in and add keys of its own; the
 * `json` helper writes any value as JSON.
 */
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { quoteUntrusted } from '../diagnostics/index.js';
import { formatBytes, LIMITS } from '../files/index.js';

/** Blocks and sub-expressions within each other (a policy template nests three or four). */
export const TEMPLATE_DEPTH = 32;

/** Statements and expressions of one template (compiling takes about a second for 20,000). */
export const TEMPLATE_NODES = 20_000;

/**
 * What a template may spend while rendering: every block's output, every string it reads and every
 * value it writes as JSON count (nested output is counted at each level it passes through, so this is
 * a few times what the rendered text may be), and each block rendered costs BLOCK_COST.
 */
const RENDER_BUDGET = 8 * LIMITS.renderedTemplate;
const BLOCK_COST = 16;

const HELPERS = new Set(['json', 'lookup']);
const BLOCKS = new Set(['each', 'if', 'unless', 'with']);

export interface TemplatePosition {
  /** 1-based. */
  line: number;
  col: number;
}

export type TemplateResult = { ok: true; text: string } | { ok: false; code: 'template-error' | 'template-too-large'; message: string; at: TemplatePosition };

export interface TemplateInput {
  parameters: unknown;
  organization: unknown;
}

let environment: typeof Handlebars | undefined;

/**
 * The handlebars environment, loaded on first use: loading the library costs tens of milliseconds
 * and every command imports this module, while only intents with custom templates render one.
 */
function templates(): typeof Handlebars {
  if (!environment) {
    const library = createRequire(import.meta.url)('handlebars') as typeof Handlebars;
    environment = library.create();
    // Not available to a template: writing to the log, and defining partials.
    environment.unregisterHelper('log');
    environment.unregisterDecorator('inline');
  }
  return environment;
}

class TemplateProblem extends Error {
  constructor(
    readonly code: 'template-error' | 'template-too-large',
    message: string,
    readonly at: TemplatePosition,
  ) {
    super(message);
  }
}

export function renderTemplate(source: string, input: TemplateInput): TemplateResult {
  const budget = new Budget();
  try {
    checkNesting(source);
    checkLanguage(parse(source));
    // trackIds: a helper learns the expression it was given, for `{{json x}}` of an undefined x.
    const template = templates().compile(source, { noEscape: true, strict: true, trackIds: true } as CompileOptions);
    const context = metered(escapeDeep({ parameters: input.parameters ?? {}, organization: input.organization }), budget, new WeakMap());
    const text = template(context, {
      helpers: meteredHelpers(budget),
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
    if (text.length > LIMITS.renderedTemplate) {
      return { ok: false, code: 'template-too-large', message: `the template renders ${formatBytes(text.length)}, over the ${formatBytes(LIMITS.renderedTemplate)} a template may render`, at: { line: 1, col: 1 } };
    }
    return { ok: true, text };
  } catch (e) {
    return problemOf(e, budget.failedIn);
  }
}

/**
 * Nesting, measured on the text before the parser sees it: the parser's time grows with the square
 * of the nesting (seconds for a few thousand levels). Counts `{{#...}}` blocks open and parentheses
 * within a mustache; comments are skipped.
 */
function checkNesting(source: string): void {
  let blocks = 0;
  const refuse = (offset: number) => {
    throw new TemplateProblem('template-error', `blocks and sub-expressions nest more than ${TEMPLATE_DEPTH} levels deep here`, positionAt(source, offset));
  };
  for (let i = source.indexOf('{{'); i !== -1; i = source.indexOf('{{', i)) {
    if (source.startsWith('{{!', i)) {
      const closer = source.startsWith('{{!--', i) ? '--}}' : '}}';
      const end = source.indexOf(closer, i + 3);
      i = end === -1 ? source.length : end + closer.length;
      continue;
    }
    let j = i + 2;
    while (source[j] === '{' || source[j] === '~' || source[j] === ' ' || source[j] === '\t' || source[j] === '\r' || source[j] === '\n') j++;
    const close = source.indexOf('}}', j);
    const end = close === -1 ? source.length : close;
    let parens = 0;
    for (let k = j; k < end; k++) {
      if (source[k] === '(' && blocks + ++parens > TEMPLATE_DEPTH) refuse(k);
      else if (source[k] === ')') parens--;
    }
    const kind = source[j];
    if (kind === '#' || (kind === '^' && source.slice(j + 1, end).trim().replace(/~$/, '') !== '')) {
      if (++blocks > TEMPLATE_DEPTH) refuse(i);
    } else if (kind === '/') blocks = Math.max(0, blocks - 1);
    i = end + 2;
  }
}

function positionAt(source: string, offset: number): TemplatePosition {
  let line = 1;
  let lineStart = 0;
  for (let k = source.indexOf('\n'); k !== -1 && k < offset; k = source.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function parse(source: string): hbs.AST.Program {
  try {
    return templates().parseWithoutProcessing(source);
  } catch (e) {
    // A block that does not match says where it opened; the grammar's parser keeps where it stopped
    // (its message draws an excerpt of the line, not kept here).
    const err = e as Error & { lineNumber?: number; column?: number };
    const loc = (templates() as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number } } } }).Parser?.lexer?.yylloc;
    const at = typeof err.lineNumber === 'number' ? { line: err.lineNumber, col: (err.column ?? 0) + 1 } : loc ? { line: loc.first_line, col: loc.first_column + 1 } : { line: 1, col: 1 };
    const lines = err.message.replace(/ - \d+:\d+$/, '').split('\n');
    const detail = lines.length > 1 ? lines[lines.length - 1]!.toLowerCase() : lines[0]!.replace(/^Parse error on line \d+: ?/, '');
    throw new TemplateProblem('template-error', `the template does not parse: ${detail}`, at);
  }
}

type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;

type AstNode = { type: string; loc?: hbs.AST.SourceLocation | null } & Record<string, unknown>;

/** The subset of handlebars a policy template may use, checked without recursion. */
function checkLanguage(program: hbs.AST.Program): void {
  const stack: { node: AstNode; depth: number }[] = [{ node: program as unknown as AstNode, depth: 0 }];
  let nodes = 0;
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    const at = position(node);
    if (++nodes > TEMPLATE_NODES) throw new TemplateProblem('template-error', `the template holds more than ${TEMPLATE_NODES.toLocaleString('en-US')} statements and expressions; a policy template holds a few dozen`, at);
    // Children are pushed last first, so that the first problem in the text is the one reported.
    const push = (child: unknown, d = depth) => {
      if (child && typeof child === 'object' && typeof (child as AstNode).type === 'string') stack.push({ node: child as AstNode, depth: d });
    };
    const pushAll = (children: unknown[], d = depth) => {
      for (let k = children.length - 1; k >= 0; k--) push(children[k], d);
    };
    const pushCall = (n: AstNode, d: number) => {
      pushAll(((n.hash as { pairs?: { value: unknown }[] } | undefined)?.pairs ?? []).map((pair) => pair.value), d);
      pushAll((n.params as unknown[]) ?? [], d);
    };
    if (depth > TEMPLATE_DEPTH) throw new TemplateProblem('template-error', `blocks and sub-expressions nest more than ${TEMPLATE_DEPTH} levels deep here`, at);
    switch (node.type) {
      case 'Program':
        pushAll(node.body as unknown[]);
        break;
      case 'MustacheStatement':
      case 'SubExpression': {
        const name = helperName(node);
        const called = (node.params as unknown[]).length > 0 || node.hash !== undefined || node.type === 'SubExpression';
        if (name === 'log') throw new TemplateProblem('template-error', '{{log}} is not available: a template cannot write to the log', at);
        if (called && (name === undefined || !HELPERS.has(name))) {
          throw new TemplateProblem('template-error', `${describe(node)} is not a helper a template may call; helpers: ${[...HELPERS].join(', ')}`, at);
        }
        pushCall(node, depth + (node.type === 'SubExpression' ? 1 : 0));
        break;
      }
      case 'BlockStatement': {
        const name = helperName(node);
        if (name === undefined || !BLOCKS.has(name)) {
          throw new TemplateProblem('template-error', `{{#${pathText(node.path)}}} is not a block a template may use; blocks: ${[...BLOCKS].map((b) => `#${b}`).join(', ')}`, at);
        }
        push(node.inverse, depth + 1);
        push(node.program, depth + 1);
        pushCall(node, depth + 1);
        break;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        throw new TemplateProblem('template-error', 'partials ({{> name}}) are not available in a policy template', at);
      case 'Decorator':
      case 'DecoratorBlock':
        throw new TemplateProblem('template-error', 'decorators ({{* name}}, {{#* inline}}) are not available in a policy template', at);
      default:
        // Content, comments, paths and literals.
        break;
    }
  }
}

/** The helper a call names: a plain one-part name (`json`, not `this.json`, `@json` or `../json`). */
function helperName(node: AstNode): string | undefined {
  const p = node.path as { type: string; parts?: string[]; data?: boolean; depth?: number; original?: unknown } | undefined;
  if (!p || p.type !== 'PathExpression' || p.data || p.depth || p.parts?.length !== 1) return undefined;
  return p.original === p.parts[0] ? p.parts[0] : undefined;
}

function pathText(p: unknown): string {
  const o = (p as { original?: unknown } | undefined)?.original;
  return typeof o === 'string' || typeof o === 'number' || typeof o === 'boolean' ? String(o) : '?';
}

function describe(node: AstNode): string {
  return node.type === 'SubExpression' ? `(${pathText(node.path)} ...)` : `{{${pathText(node.path)} ...}}`;
}

function position(node: AstNode | undefined): TemplatePosition {
  const start = node?.loc?.start;
  return start ? { line: start.line, col: start.column + 1 } : { line: 1, col: 1 };
}

class Budget {
  private spent = 0;
  /** Where the innermost block being rendered starts, for a refusal from inside it. */
  at: TemplatePosition = { line: 1, col: 1 };
  /** The innermost block an error came out of (the engine's own errors carry no position). */
  failedIn: TemplatePosition | undefined;

  spend(n: number): void {
    this.spent += n;
    if (this.spent > RENDER_BUDGET) {
      throw new TemplateProblem(
        'template-too-large',
        `rendering this template produces more than ${formatBytes(RENDER_BUDGET)} along the way (blocks within blocks over large parameters); a template may render ${formatBytes(LIMITS.renderedTemplate)}`,
        this.at,
      );
    }
  }
}

type HelperOptions = Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation; ids?: unknown[] };
type Helper = (this: unknown, ...args: unknown[]) => unknown;

/** The built-in blocks with each rendering of their body metered, and the json helper. */
function meteredHelpers(budget: Budget): Record<string, Helper> {
  const meter = (fn: Handlebars.TemplateDelegate, loc: TemplatePosition): Handlebars.TemplateDelegate => {
    return (context: unknown, options?: Handlebars.RuntimeOptions) => {
      const outer = budget.at;
      budget.at = loc;
      try {
        const out = fn(context, options);
        budget.spend(BLOCK_COST + out.length);
        return out;
      } catch (e) {
        budget.failedIn ??= loc;
        throw e;
      } finally {
        budget.at = outer;
      }
    };
  };
  const helpers: Record<string, Helper> = {};
  for (const name of BLOCKS) {
    const builtIn = templates().helpers[name] as Helper;
    helpers[name] = function (this: unknown, ...args: unknown[]) {
      const options = args[args.length - 1] as HelperOptions;
      const at = position({ type: 'BlockStatement', loc: options.loc ?? null });
      args[args.length - 1] = { ...options, fn: meter(options.fn, at), inverse: meter(options.inverse, at) };
      return builtIn.apply(this, args);
    };
  }
  helpers.json = (...args: unknown[]) => {
    const options = args.pop() as HelperOptions;
    const at = position({ type: 'MustacheStatement', loc: options.loc ?? null });
    if (args.length !== 1) throw new TemplateProblem('template-error', `{{json}} takes one value, not ${args.length}`, at);
    const value = args[0];
    if (value === undefined) {
      const named = typeof options.ids?.[0] === 'string' ? `"${options.ids[0]}"` : 'its value';
      throw new TemplateProblem('template-error', `{{json ...}} writes ${named}, which is not defined`, at);
    }
    const out = JSON.stringify(unescapeDeep(value)) ?? 'null';
    budget.spend(out.length);
    return new (templates().SafeString)(out);
  };
  return helpers;
}

/** The values a template sees, with every string read spending from the budget. */
function metered(value: unknown, budget: Budget, proxies: WeakMap<object, object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = proxies.get(value);
  if (known) return known;
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v === 'string') budget.spend(v.length);
      return metered(v, budget, proxies);
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

/**
 * Handlebars escapes for HTML; a JSON template needs JSON. Every string the template can reach is
 * escaped for the inside of a JSON string before rendering (with Handlebars' own escaping off); the
 * `json` helper undoes it and writes the value itself as JSON.
 */
function escapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return JSON.stringify(v).slice(1, -1);
  if (Array.isArray(v)) return v.map(escapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDeep(x)]));
  return v;
}

function unescapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return JSON.parse(`"${v}"`) as string;
  if (Array.isArray(v)) return v.map(unescapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeDeep(x)]));
  return v;
}

function problemOf(e: unknown, inside: TemplatePosition | undefined): TemplateResult & { ok: false } {
  if (e instanceof TemplateProblem) return { ok: false, code: e.code, message: e.message, at: e.at };
  if (e instanceof RangeError) {
    // The checks above bound nesting and size; this is the engine's own limit, said plainly.
    return { ok: false, code: 'template-too-large', message: `the template is too large or too deeply nested to render (${e.message})`, at: { line: 1, col: 1 } };
  }
  if (e instanceof TypeError) {
    // A strict lookup asks a string or a number for a property (`{{parameters.name.first}}`).
    const m = /search for '(.*)' in (.*)$/s.exec(e.message);
    const what = m ? `{{...}} looks up "${quoteUntrusted(m[1]!, 60)}" in ${quoteUntrusted(m[2]!, 60)}, which is not a mapping` : `a lookup failed (${quoteUntrusted(e.message, 120)})`;
    return { ok: false, code: 'template-error', message: inside ? `${what}, in the block starting here` : what, at: inside ?? { line: 1, col: 1 } };
  }
  const err = e as Error & { lineNumber?: number; column?: number };
  // A strict lookup: `"x" not defined in [object Object] - 2:4` (1-based line, 0-based column).
  const missing = /^"([^"]+)" not defined in /.exec(err.message ?? '');
  const at = typeof err.lineNumber === 'number' ? { line: err.lineNumber, col: (err.column ?? 0) + 1 } : { line: 1, col: 1 };
  const message = missing ? `{{...}} uses "${missing[1]}", which is not defined` : (err.message ?? String(e)).split('\n')[0]!.replace(/ - \d+:\d+$/, '');
  return { ok: false, code: 'template-error', message, at };
}
