// Deciding what runs next, separate from running it (Metaflow's _queue_task* vs _launch_workers).
// nextRunnable is pure: given the linted graph and the tasks finished so far, it returns every
// task whose inputs are all finished. Tasks are identified by a key (step + foreach indices);
// the executor skips keys it has already launched.
//
// Fan-out and joins:
//   foreach step S finishing with count n  ->  n tasks of its target, stack + {S, i, n}
//   static split finishing                  ->  one task per target, same stack
//   join J closing foreach S                 ->  one task once all n tasks of J's in-step with
//                                               that parent stack are finished; stack minus S
//   join J closing static split S            ->  one task once each in-step has finished a task
//                                               with the same stack
import type { FlowGraph } from './graph.js';
import type { ForeachFrame, Transition } from './datastore/task-store.js';

export interface FinishedTask {
  taskId: string;
  step: string;
  stack: ForeachFrame[];
  next: Transition | null;
}

export interface RunnableTask {
  key: string;
  step: string;
  stack: ForeachFrame[];
  /** Task IDs of the inputs, in order (foreach index order for foreach joins). */
  inputs: string[];
}

export function taskKey(step: string, stack: readonly ForeachFrame[]): string {
  return stack.length ? `${step}[${stack.map((f) => f.index).join(',')}]` : step;
}

const stackKey = (stack: readonly ForeachFrame[]) => stack.map((f) => `${f.step}:${f.index}/${f.count}`).join('|');

export function nextRunnable(graph: FlowGraph, finished: readonly FinishedTask[]): RunnableTask[] {
  if (finished.length === 0) return [{ key: 'start', step: 'start', stack: [], inputs: [] }];
  const out: RunnableTask[] = [];
  // join key -> inputs collected so far, keyed by in-step (static) or foreach index.
  const joins = new Map<string, { step: string; stack: ForeachFrame[]; inputs: Map<string, string>; need: number }>();
  for (const t of finished) {
    if (!t.next) continue;
    if (t.next.foreach) {
      const target = t.next.steps[0]!;
      for (let i = 0; i < t.next.foreach.count; i++) {
        const stack = [...t.stack, { step: t.step, index: i, count: t.next.foreach.count }];
        out.push({ key: taskKey(target, stack), step: target, stack, inputs: [t.taskId] });
      }
      continue;
    }
    for (const target of t.next.steps) {
      const node = graph.steps.get(target)!;
      if (!node.isJoin) {
        out.push({ key: taskKey(target, t.stack), step: target, stack: t.stack, inputs: [t.taskId] });
        continue;
      }
      const split = graph.steps.get(node.closes!)!;
      if (split.foreach !== undefined) {
        const frame = t.stack[t.stack.length - 1]!;
        const stack = t.stack.slice(0, -1);
        const k = `${target}@${stackKey(stack)}`;
        const j = joins.get(k) ?? { step: target, stack, inputs: new Map(), need: frame.count };
        j.inputs.set(String(frame.index).padStart(10, '0'), t.taskId);
        joins.set(k, j);
      } else {
        const k = `${target}@${stackKey(t.stack)}`;
        const j = joins.get(k) ?? { step: target, stack: t.stack, inputs: new Map(), need: node.in.length };
        j.inputs.set(String(node.in.indexOf(t.step)).padStart(10, '0'), t.taskId);
        joins.set(k, j);
      }
    }
  }
  for (const j of joins.values()) {
    if (j.inputs.size < j.need) continue;
    const inputs = [...j.inputs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, id]) => id);
    out.push({ key: taskKey(j.step, j.stack), step: j.step, stack: j.stack, inputs });
  }
  return out;
}

/** Checks a finished task's reported transition against the graph; returns a problem or undefined. */
export function checkTransition(graph: FlowGraph, step: string, next: Transition | null): string | undefined {
  const node = graph.steps.get(step)!;
  if (step === 'end') return next ? "step 'end' reported a transition" : undefined;
  if (!next) return `step '${step}' finished without a transition`;
  const expected = node.next.join(', ');
  if (next.steps.join(', ') !== expected || (next.foreach?.var ?? undefined) !== node.foreach) {
    return `step '${step}' went to ${next.steps.join(', ')}${next.foreach ? ` (foreach ${next.foreach.var})` : ''} but its source says ${expected}${node.foreach ? ` (foreach ${node.foreach})` : ''}`;
  }
  return undefined;
}
