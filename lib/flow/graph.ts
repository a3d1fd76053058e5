// The static graph of a flow, read from the class: steps come from the @step decorators,
// transitions from the `this.next(...)` call in each step's source (as Metaflow reads its AST),
// and a step taking a parameter (`join(inputs)`) is a join. lint.ts then checks the graph and
// fills in the derived fields (in-edges, split parents, which split each join closes).
//
// A graph can also come from a plain description (test/flow/graphs/*.json) through buildGraph.
import { createRequire } from 'node:module';
import type TS from 'typescript';
import { FlowDefinitionError } from './errors.js';
import type { ParameterSpecs } from './parameters.js';
import { FlowSpec, stepInfoOf, type FlowClass, type StepInfo } from './spec.js';

export type StepType = 'start' | 'linear' | 'split' | 'foreach' | 'join' | 'end';

export interface StepNode {
  name: string;
  /** Targets of this.next(...), in call order. */
  next: string[];
  /** Set when the transition is a foreach over this artifact. */
  foreach?: string;
  /** The step takes `inputs` (a join). */
  isJoin: boolean;
  /** How many this.next(...) calls the source contains (must be 1, or 0 for end). */
  nextCalls: number;
  /** Problems found while reading the source of the transition, reported by lint. */
  sourceProblems: string[];
  info: StepInfo;
  /** 1-based line in the flow file, when known. */
  line?: number;
  // Derived by lint.ts:
  type: StepType;
  in: string[];
  /** Splits enclosing this step, outermost first. */
  splitParents: string[];
  /** For a join: the split it closes. */
  closes?: string;
}

export interface FlowGraph {
  flow: string;
  file?: string;
  steps: Map<string, StepNode>;
  /** Step names in a readable order (declaration order). */
  order: string[];
  params: ParameterSpecs;
  /** Methods carrying step decorators but no @step. */
  strayDecorators: Array<{ method: string; decorators: string[] }>;
}

/** A declarative graph shape (test fixtures). */
export interface GraphDescription {
  flow?: string;
  steps: Record<string, { next?: string[]; foreach?: string; join?: boolean; nextCalls?: number; decorators?: string[]; catch?: boolean }>;
  /** Methods with step decorators but no @step. */
  stray?: Array<{ method: string; decorators: string[] }>;
}

// typescript is loaded on first use only: worker processes import this package for FlowSpec and
// must not pay TypeScript's ~200 ms load time.
let tsModule: typeof TS | undefined;
function typescript(): typeof TS {
  return (tsModule ??= createRequire(import.meta.url)('typescript') as typeof TS);
}

function emptyNode(name: string, info: StepInfo): StepNode {
  return { name, next: [], isJoin: false, nextCalls: 0, sourceProblems: [], info, type: 'linear', in: [], splitParents: [] };
}

export function buildGraph(desc: GraphDescription): FlowGraph {
  const steps = new Map<string, StepNode>();
  for (const [name, d] of Object.entries(desc.steps)) {
    const info: StepInfo = { isStep: true, name, decorators: ['step', ...(d.decorators ?? [])] };
    if (d.catch) info.catch = { printException: true };
    const node = emptyNode(name, info);
    node.next = d.next ?? [];
    if (d.foreach !== undefined) node.foreach = d.foreach;
    node.isJoin = d.join ?? false;
    node.nextCalls = d.nextCalls ?? (node.next.length ? 1 : 0);
    steps.set(name, node);
  }
  return { flow: desc.flow ?? 'GraphFixture', steps, order: [...steps.keys()], params: {}, strayDecorators: desc.stray ?? [] };
}

/** Reads the graph of a FlowSpec subclass. `source` (the flow file's text) only adds line numbers. */
export function graphFromClass(cls: FlowClass, options: { file?: string; source?: string } = {}): FlowGraph {
  if (!FlowSpec.isFlowClass(cls)) throw new FlowDefinitionError(`${String((cls as { name?: string })?.name)} does not extend FlowSpec`);
  const steps = new Map<string, StepNode>();
  const strayDecorators: FlowGraph['strayDecorators'] = [];
  const seen = new Set<string>();
  // Walk the prototype chain so steps inherited from a base flow count, subclass first.
  for (let proto = cls.prototype; proto && proto !== FlowSpec.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name) || name === 'constructor') continue;
      seen.add(name);
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      const info = stepInfoOf(desc?.value);
      if (!info) continue;
      if (!info.isStep) { strayDecorators.push({ method: name, decorators: info.decorators }); continue; }
      const node = emptyNode(name, info);
      readTransition(node, desc!.value as (...a: unknown[]) => unknown);
      if (options.source) {
        const line = findLine(options.source, name);
        if (line !== undefined) node.line = line;
      }
      steps.set(name, node);
    }
  }
  const params = cls.params ?? {};
  const graph: FlowGraph = { flow: cls.name, steps, order: [...steps.keys()], params, strayDecorators };
  if (options.file) graph.file = options.file;
  return graph;
}

/** Parses the step's own source text (what the engine compiled) for its this.next(...) call. */
function readTransition(node: StepNode, fn: (...a: unknown[]) => unknown): void {
  const ts = typescript();
  const text = `class __LarchStep__ {\n${fn.toString()}\n}`;
  const file = ts.createSourceFile('step.js', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const cls = file.statements[0];
  const method = cls && ts.isClassDeclaration(cls) ? cls.members.find((m) => ts.isMethodDeclaration(m)) : undefined;
  if (!method || !ts.isMethodDeclaration(method) || !method.body) {
    node.sourceProblems.push(`cannot read the source of step '${node.name}' (define it as a method: async ${node.name}() { ... })`);
    return;
  }
  node.isJoin = method.parameters.length > 0;
  const visit = (n: TS.Node): void => {
    if (ts.isCallExpression(n) && (isThisMember(n.expression, 'next') || isThisElement(n.expression, 'next'))) {
      node.nextCalls++;
      if (node.nextCalls === 1) readNextArguments(node, n.arguments);
    }
    // Calls inside nested functions still count: Metaflow requires the single call at any depth.
    ts.forEachChild(n, visit);
  };
  visit(method.body);
}

function isThisMember(e: TS.Expression, name?: string): e is TS.PropertyAccessExpression {
  const ts = typescript();
  return ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword && (name === undefined || e.name.text === name);
}

function isThisElement(e: TS.Expression, name: string): boolean {
  const ts = typescript();
  return ts.isElementAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword &&
    ts.isStringLiteralLike(e.argumentExpression) && e.argumentExpression.text === name;
}

function readNextArguments(node: StepNode, args: TS.NodeArray<TS.Expression>): void {
  const ts = typescript();
  args.forEach((arg, i) => {
    if (isThisMember(arg)) { node.next.push(arg.name.text); return; }
    if (ts.isElementAccessExpression(arg) && arg.expression.kind === ts.SyntaxKind.ThisKeyword && ts.isStringLiteral(arg.argumentExpression)) {
      node.next.push(arg.argumentExpression.text);
      return;
    }
    if (ts.isObjectLiteralExpression(arg) && i === args.length - 1) {
      for (const p of arg.properties) {
        const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
        if (key !== 'foreach') { node.sourceProblems.push(`step '${node.name}': unknown next() option "${key ?? '?'}" (only foreach)`); continue; }
        if (ts.isPropertyAssignment(p) && (ts.isStringLiteral(p.initializer) || ts.isNoSubstitutionTemplateLiteral(p.initializer))) {
          node.foreach = p.initializer.text;
        } else {
          node.sourceProblems.push(`step '${node.name}': write the foreach variable as a string literal, e.g. this.next(this.train, { foreach: 'grid' })`);
        }
      }
      return;
    }
    node.sourceProblems.push(`step '${node.name}': next() argument ${i + 1} must be a step written as this.<step> (found "${arg.getText()}")`);
  });
}

function findLine(source: string, name: string): number | undefined {
  const re = new RegExp(`^\\s*(?:@[^\\n]*\\s+)*(?:async\\s+)?${name.replace(/\$/g, '\\$')}\\s*\\(`, 'm');
  const m = re.exec(source);
  return m ? source.slice(0, m.index + m[0].length).split('\n').length : undefined;
}

/** A JSON-friendly view of the graph (`flow show --json`, tests). */
export function describeGraph(graph: FlowGraph): Array<Record<string, unknown>> {
  return graph.order.map((name) => {
    const n = graph.steps.get(name)!;
    const d: Record<string, unknown> = { name, type: n.type, next: n.next };
    if (n.foreach) d.foreach = n.foreach;
    if (n.closes) d.closes = n.closes;
    const decorators = n.info.decorators.filter((x) => x !== 'step');
    if (decorators.length) d.decorators = decorators;
    return d;
  });
}
