// Graph checks, run before anything executes. One function per rule, in order; each throws a
// FlowLintError naming the step and saying what to change. Rules after `deriveEdges` may rely on
// the earlier ones (targets exist, start and end present). Besides checking, lint fills in the
// derived fields of the graph the runtime uses (in-edges, types, split parents, closes).
import { FlowLintError } from './errors.js';
import type { FlowGraph, StepNode } from './graph.js';

type Rule = (graph: FlowGraph) => void;

const at = (graph: FlowGraph, node: StepNode | undefined) =>
  node?.line !== undefined && graph.file ? ` (${graph.file}:${node.line})` : '';

function fail(rule: string, graph: FlowGraph, step: string | undefined, message: string): never {
  throw new FlowLintError(rule, step, `${graph.flow}: ${message}${step ? at(graph, graph.steps.get(step)) : ''}`);
}

function checkStrayDecorators(g: FlowGraph): void {
  for (const s of g.strayDecorators) {
    fail('stray-decorator', g, s.method, `method '${s.method}' has @${s.decorators.join(', @')} but no @step; add @step (or remove the decorators)`);
  }
}

function checkStartAndEnd(g: FlowGraph): void {
  if (g.steps.size === 0) fail('no-steps', g, undefined, 'the flow has no steps; mark methods with @step, starting with start() and ending with end()');
  if (!g.steps.has('start')) fail('missing-start', g, undefined, 'the flow has no step named "start"; every flow begins with @step async start()');
  if (!g.steps.has('end')) fail('missing-end', g, undefined, 'the flow has no step named "end"; every flow finishes with @step async end()');
}

function checkSourceProblems(g: FlowGraph): void {
  for (const n of g.steps.values()) if (n.sourceProblems.length) fail('bad-next-call', g, n.name, n.sourceProblems[0]!);
}

function checkNextCalls(g: FlowGraph): void {
  for (const n of g.steps.values()) {
    if (n.name === 'end') {
      if (n.nextCalls > 0) fail('end-has-next', g, 'end', "step 'end' must not call this.next(): it is the last step");
      continue;
    }
    if (n.nextCalls === 0) fail('missing-next', g, n.name, `step '${n.name}' never calls this.next(...); end it with this.next(this.<step>)`);
    if (n.nextCalls > 1) {
      fail('several-next', g, n.name, `step '${n.name}' calls this.next() ${n.nextCalls} times; a step has exactly one transition (use a split: this.next(this.a, this.b))`);
    }
    if (n.next.length === 0) fail('empty-next', g, n.name, `step '${n.name}' calls this.next() without a target step`);
  }
}

function checkTargetsExist(g: FlowGraph): void {
  for (const n of g.steps.values()) {
    const seen = new Set<string>();
    for (const t of n.next) {
      if (!g.steps.has(t)) {
        fail('unknown-target', g, n.name, `step '${n.name}' goes to this.${t}, which is not a step; add @step to ${t}() or fix the name (steps: ${g.order.join(', ')})`);
      }
      if (seen.has(t)) fail('duplicate-target', g, n.name, `step '${n.name}' names this.${t} twice in this.next(...)`);
      seen.add(t);
    }
  }
}

function checkForeachShape(g: FlowGraph): void {
  for (const n of g.steps.values()) {
    if (n.foreach === undefined) continue;
    if (!/^[A-Za-z_$][\w$]*$/.test(n.foreach)) fail('foreach-variable', g, n.name, `step '${n.name}': foreach variable "${n.foreach}" is not an artifact name`);
    if (n.next.length !== 1) fail('foreach-targets', g, n.name, `step '${n.name}' has a foreach with ${n.next.length} targets; a foreach goes to exactly one step`);
    if (g.steps.get(n.next[0]!)!.isJoin) {
      fail('foreach-into-join', g, n.name, `step '${n.name}' fans out straight into the join '${n.next[0]}'; put at least one step between a foreach and its join`);
    }
    if (n.info.catch) fail('catch-on-foreach', g, n.name, `@catchErrors cannot go on the foreach step '${n.name}' (a caught failure has no items to fan out over); move the work into a step before it`);
  }
}

function checkStartIsEntry(g: FlowGraph): void {
  const start = g.steps.get('start')!;
  if (start.isJoin) fail('start-is-join', g, 'start', "step 'start' takes inputs; only joins take inputs and start has no predecessor");
  for (const n of g.steps.values()) {
    if (n.next.includes('start')) fail('start-targeted', g, n.name, `step '${n.name}' goes back to start; start must be the first step only`);
  }
}

function deriveEdges(g: FlowGraph): void {
  for (const n of g.steps.values()) n.in = [];
  for (const n of g.steps.values()) for (const t of n.next) g.steps.get(t)!.in.push(n.name);
  for (const n of g.steps.values()) {
    n.type = n.name === 'start' ? 'start' : n.name === 'end' ? 'end' : n.isJoin ? 'join'
      : n.foreach !== undefined ? 'foreach' : n.next.length > 1 ? 'split' : 'linear';
    if (n.isJoin && (n.foreach !== undefined || n.next.length > 1)) {
      fail('join-splits', g, n.name, `join '${n.name}' also splits; add a step after the join for the new split`);
    }
    if (n.name === 'start' && n.foreach !== undefined) n.type = 'foreach';
    if (n.name === 'start' && n.next.length > 1) n.type = 'split';
  }
}

function checkReachable(g: FlowGraph): void {
  const seen = new Set<string>(['start']);
  const stack = ['start'];
  while (stack.length) for (const t of g.steps.get(stack.pop()!)!.next) if (!seen.has(t)) { seen.add(t); stack.push(t); }
  for (const name of g.order) {
    if (!seen.has(name)) fail('unreachable', g, name, `step '${name}' is unreachable from start; call this.next(this.${name}) from a step, or remove its @step`);
  }
}

function checkAcyclic(g: FlowGraph): void {
  const state = new Map<string, 1 | 2>();   // 1 = on the DFS path, 2 = done
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 1);
    path.push(name);
    for (const t of g.steps.get(name)!.next) {
      if (state.get(t) === 1) {
        const cycle = [...path.slice(path.indexOf(t)), t].join(' -> ');
        fail('cycle', g, name, `step '${name}' closes the cycle ${cycle}; flows are acyclic (use a foreach to repeat work)`);
      }
      if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(name, 2);
  };
  visit('start');
}

function checkReachesEnd(g: FlowGraph): void {
  const reaches = new Set<string>(['end']);
  const stack = ['end'];
  while (stack.length) for (const p of g.steps.get(stack.pop()!)!.in) if (!reaches.has(p)) { reaches.add(p); stack.push(p); }
  for (const name of g.order) {
    if (!reaches.has(name)) fail('dead-end', g, name, `step '${name}' never reaches end; its transitions must lead to end`);
  }
}

function checkJoinArity(g: FlowGraph): void {
  for (const n of g.steps.values()) {
    if (!n.isJoin && n.in.length > 1) {
      fail('not-a-join', g, n.name, `step '${n.name}' is reached from ${n.in.join(', ')} but is not a join; declare it as ${n.name}(inputs) to join the branches`);
    }
  }
}

/** Walks the DAG in topological order with the stack of open splits (Metaflow's split-parents). */
function checkSplitJoinBalance(g: FlowGraph): void {
  const order = topologicalOrder(g);
  const outStack = new Map<string, string[]>();
  const closedBy = new Map<string, string>();
  for (const name of order) {
    const n = g.steps.get(name)!;
    let stack: string[] = [];
    if (n.in.length) {
      const incoming = n.in.map((p) => outStack.get(p)!);
      if (n.isJoin) {
        const first = incoming[0]!;
        const split = first[first.length - 1];
        if (split === undefined) {
          fail('join-without-split', g, n.name, `step '${n.name}' is a join (takes inputs) but no split or foreach precedes it; remove its parameter`);
        }
        incoming.forEach((s, i) => {
          if (s.join('/') !== first.join('/')) {
            fail('join-mismatch', g, n.name, `join '${n.name}' receives '${n.in[0]}' (inside ${describe(first)}) and '${n.in[i]}' (inside ${describe(s)}); a join must close exactly one split`);
          }
        });
        const other = closedBy.get(split);
        if (other) fail('split-two-joins', g, n.name, `split '${split}' is closed by both '${other}' and '${n.name}'; all branches of a split meet in one join`);
        closedBy.set(split, n.name);
        n.closes = split;
        stack = first.slice(0, -1);
        const s = g.steps.get(split)!;
        if (s.foreach === undefined && n.in.length === 1 && s.next.length > 1) {
          fail('join-mismatch', g, n.name, `join '${n.name}' receives only '${n.in[0]}' but split '${split}' has ${s.next.length} branches; every branch must reach the join`);
        }
      } else {
        stack = incoming[0]!;
      }
    }
    n.splitParents = stack;
    if (name === 'end' && stack.length) {
      fail('unjoined-split', g, 'end', `step 'end' is reached inside ${describe(stack)}; add a join step (with an \`inputs\` parameter) before end`);
    }
    outStack.set(name, n.foreach !== undefined || n.next.length > 1 ? [...stack, name] : stack);
  }
}

function describe(stack: string[]): string {
  return stack.length ? `split '${stack[stack.length - 1]}'` : 'no split';
}

export function topologicalOrder(g: FlowGraph): string[] {
  const indegree = new Map<string, number>();
  for (const n of g.steps.values()) indegree.set(n.name, n.in.length);
  const ready = g.order.filter((n) => indegree.get(n) === 0);
  const out: string[] = [];
  while (ready.length) {
    const name = ready.shift()!;
    out.push(name);
    for (const t of g.steps.get(name)!.next) {
      const d = indegree.get(t)! - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  return out;
}

/** The rules, in the order they run. Exported so tests can name each one. */
export const kLintRules: ReadonlyArray<[string, Rule]> = [
  ['stray-decorator', checkStrayDecorators],
  ['start-and-end', checkStartAndEnd],
  ['source', checkSourceProblems],
  ['next-calls', checkNextCalls],
  ['targets-exist', checkTargetsExist],
  ['foreach-shape', checkForeachShape],
  ['start-is-entry', checkStartIsEntry],
  ['derive-edges', deriveEdges],
  ['reachable', checkReachable],
  ['acyclic', checkAcyclic],
  ['reaches-end', checkReachesEnd],
  ['join-arity', checkJoinArity],
  ['split-join-balance', checkSplitJoinBalance],
];

/** Checks the graph (throwing the first FlowLintError) and fills in its derived fields. */
export function lintGraph(graph: FlowGraph): FlowGraph {
  for (const [, rule] of kLintRules) rule(graph);
  return graph;
}
