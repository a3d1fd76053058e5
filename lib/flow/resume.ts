// `flow resume`: which tasks of an origin run can be cloned into the new run.
// A step reruns when it is the --from step or downstream of it; by default, when the origin run
// left it incomplete (a task folder without DONE, or no finished task at all), and everything
// downstream of such a step. Every other step's finished tasks are cloned: the new run records
// the same artifact hashes (no bytes are copied) and `clonedFrom` pointing at the origin task.
import { FlowDefinitionError } from './errors.js';
import type { FlowGraph } from './graph.js';
import { stepKey } from './datastore/layout.js';
import type { Storage } from './datastore/storage.js';
import { readTaskMeta, type TaskMeta } from './datastore/task-store.js';
import { taskKey } from './scheduler.js';

export interface ClonePlan {
  originRunId: string;
  rerun: Set<string>;
  /** Origin tasks by scheduler key (step + foreach indices), for steps that are cloned. */
  cloneable: Map<string, TaskMeta>;
}

function downstream(graph: FlowGraph, from: Iterable<string>): Set<string> {
  const out = new Set<string>(from);
  const stack = [...out];
  while (stack.length) for (const t of graph.steps.get(stack.pop()!)!.next) if (!out.has(t)) { out.add(t); stack.push(t); }
  return out;
}

export async function planResume(graph: FlowGraph, storage: Storage, originRunId: string, fromStep?: string): Promise<ClonePlan> {
  const finished = new Map<string, TaskMeta[]>();
  const incomplete = new Set<string>();
  for (const step of graph.order) {
    const metas: TaskMeta[] = [];
    for (const taskId of await storage.list(stepKey(graph.flow, originRunId, step))) {
      const meta = await readTaskMeta(storage, { flow: graph.flow, runId: originRunId, step, taskId });
      if (meta) metas.push(meta);
      else incomplete.add(step);
    }
    if (metas.length === 0) incomplete.add(step);
    finished.set(step, metas);
  }
  let rerun: Set<string>;
  if (fromStep !== undefined) {
    if (!graph.steps.has(fromStep)) throw new FlowDefinitionError(`--from ${fromStep}: ${graph.flow} has no such step (steps: ${graph.order.join(', ')})`);
    rerun = downstream(graph, [fromStep]);
  } else {
    rerun = downstream(graph, incomplete);
  }
  const cloneable = new Map<string, TaskMeta>();
  for (const [step, metas] of finished) {
    if (rerun.has(step)) continue;
    for (const m of metas) cloneable.set(taskKey(step, m.foreachStack), m);
  }
  return { originRunId, rerun, cloneable };
}
