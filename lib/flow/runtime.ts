// The executor: launches runnable tasks (decided by scheduler.ts) in worker processes, up to
// maxWorkers at a time, applies @retry / @timeout / @catchErrors, and records every attempt.
// The datastore is only ever written through atomic writes, by the worker (artifacts, task.json,
// DONE) or by this process (attempt records, run.json, clones, caught-task fallbacks), never by
// both for the same task at once: an attempt's process is gone before the next one starts.
import os from 'node:os';
import { attemptKey, pathspecOf, type TaskAddress } from './datastore/layout.js';
import type { Storage } from './datastore/storage.js';
import { allocateRun, updateRun, type RunMeta } from './datastore/run-store.js';
import { readTaskMeta, TaskWriter, writeAttempt, type TaskMeta } from './datastore/task-store.js';
import type { FlowGraph } from './graph.js';
import type { ClonePlan } from './resume.js';
import { checkTransition, nextRunnable, type FinishedTask, type RunnableTask } from './scheduler.js';
import type { TaskSpec } from './task-runtime.js';
import { WorkerPool, type AttemptOutcome } from './worker-pool.js';

export type RunEvent =
  | { type: 'run-start'; flow: string; runId: string; steps: string[] }
  | { type: 'task-start'; step: string; taskId: string; attempt: number }
  | { type: 'task-done'; step: string; taskId: string; status: 'ok' | 'caught' | 'cloned' }
  | { type: 'task-retry'; step: string; taskId: string; attempt: number; error: string }
  | { type: 'task-failed'; step: string; taskId: string; error: string }
  | { type: 'run-done'; runId: string; status: 'succeeded' | 'failed'; error?: string };

export interface ExecutorOptions {
  graph: FlowGraph;
  storage: Storage;
  flowFile: string;
  params: Record<string, unknown>;
  tags: string[];
  maxWorkers: number;
  maxNumSplits: number;
  clone?: ClonePlan;
  /** Hook-free module of the flow for workers (loader/direct.ts). */
  directModuleUrl?: string;
  onEvent?: (e: RunEvent) => void;
}

export interface RunResult {
  flow: string;
  runId: string;
  pathspec: string;
  status: 'succeeded' | 'failed';
  error?: string;
  /** Tasks that ran a step (not counting clones), and tasks cloned from the origin run. */
  executed: number;
  cloned: number;
}

interface Active extends RunnableTask {
  taskId: string;
}

export const defaultMaxWorkers = () => Math.max(2, os.availableParallelism());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function executeRun(o: ExecutorOptions): Promise<RunResult> {
  const { graph, storage } = o;
  const meta: Omit<RunMeta, 'runId'> = {
    format: 1, flow: graph.flow, file: o.flowFile, params: o.params, tags: o.tags, status: 'running',
    user: os.userInfo().username, startedAt: new Date().toISOString(), host: os.hostname(), pid: process.pid,
  };
  if (o.clone) meta.originRunId = o.clone.originRunId;
  const run = await allocateRun(storage, meta);
  o.onEvent?.({ type: 'run-start', flow: graph.flow, runId: run.runId, steps: graph.order });
  const pool = new WorkerPool({
    flowFile: o.flowFile, flowName: graph.flow, datastoreRoot: storage.location,
    ...(o.directModuleUrl ? { directUrl: o.directModuleUrl } : {}),
  });
  const finished: FinishedTask[] = [];
  const launched = new Set<string>();
  const queue: Active[] = [];
  const running = new Set<Promise<void>>();
  const failures: string[] = [];
  let counter = 0;
  let executed = 0;
  let cloned = 0;
  let endDone = false;

  const address = (step: string, taskId: string): TaskAddress => ({ flow: graph.flow, runId: run.runId, step, taskId });
  const spec = (t: Active, attempt: number): TaskSpec => ({
    flow: graph.flow, runId: run.runId, step: t.step, taskId: t.taskId, attempt, stack: t.stack,
    inputs: t.inputs.map((id) => pathspecOf(address(stepOfTask.get(id)!, id))), params: o.params, maxNumSplits: o.maxNumSplits, tags: o.tags,
  });
  const stepOfTask = new Map<string, string>();

  const finish = (t: Active, m: TaskMeta, status: 'ok' | 'caught' | 'cloned') => {
    const problem = checkTransition(graph, t.step, m.next);
    if (problem) { fail(t, problem); return; }
    finished.push({ taskId: t.taskId, step: t.step, stack: t.stack, next: m.next });
    if (t.step === 'end') endDone = true;
    o.onEvent?.({ type: 'task-done', step: t.step, taskId: t.taskId, status });
  };
  const fail = (t: Active, error: string) => {
    failures.push(`${t.step}/${t.taskId}: ${error}`);
    o.onEvent?.({ type: 'task-failed', step: t.step, taskId: t.taskId, error });
  };

  const runTask = async (t: Active): Promise<void> => {
    const origin = o.clone && !o.clone.rerun.has(t.step) ? o.clone.cloneable.get(t.key) : undefined;
    if (origin) {
      const w = new TaskWriter(storage, address(t.step, t.taskId));
      for (const [name, ref] of Object.entries(origin.artifacts)) w.putRef(name, ref);
      const m = await w.done({
        status: origin.status, attempt: origin.attempt, foreachStack: t.stack, inputs: spec(t, 0).inputs, next: origin.next,
        startedAt: origin.startedAt, finishedAt: origin.finishedAt, clonedFrom: origin.clonedFrom ?? origin.pathspec,
      });
      cloned++;
      finish(t, m, 'cloned');
      return;
    }
    const info = graph.steps.get(t.step)!.info;
    const retries = info.retry?.times ?? 0;
    const execArgv = info.resources?.memoryMb ? [`--max-old-space-size=${Math.max(16, Math.floor(info.resources.memoryMb))}`] : [];
    let last: AttemptOutcome | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0 && info.retry!.minutesBetweenRetries > 0) await sleep(info.retry!.minutesBetweenRetries * 60_000);
      o.onEvent?.({ type: 'task-start', step: t.step, taskId: t.taskId, attempt });
      executed += attempt === 0 ? 1 : 0;
      const addr = address(t.step, t.taskId);
      const startedAt = new Date().toISOString();
      const out = await storage.openLog(attemptKey(addr, attempt, 'stdout'));
      const err = await storage.openLog(attemptKey(addr, attempt, 'stderr'));
      const worker = pool.acquire(execArgv);
      last = await worker.run(spec(t, attempt), { out, err }, (info.timeoutSeconds ?? 0) * 1000);
      await Promise.all([out.close(), err.close()]);
      const m = await readTaskMeta(storage, addr);
      // A worker that wrote DONE finished its task, whatever happened to the process afterwards.
      if (m && m.attempt === attempt) last = { ...last, status: 'ok' };
      else if (last.status === 'ok') last = { ...last, status: 'crashed', error: { type: 'WorkerCrash', message: 'the worker exited without writing the task' } };
      await writeAttempt(storage, addr, { attempt, status: last.status, exitCode: last.exitCode, signal: last.signal,
        ...(last.error ? { error: last.error } : {}), startedAt, finishedAt: new Date().toISOString() });
      if (last.status === 'ok') { finish(t, m!, 'ok'); return; }
      const why = `${last.error?.type ?? 'Error'}: ${last.error?.message ?? last.status}`;
      if (attempt < retries) o.onEvent?.({ type: 'task-retry', step: t.step, taskId: t.taskId, attempt: attempt + 1, error: why });
      else if (info.catch) {
        finish(t, await writeCaughtTask(t, attempt, last), 'caught');
        return;
      } else {
        fail(t, why);
      }
    }
  };

  /** @catchErrors: the task becomes a success carrying the exception; nothing of the step ran. */
  const writeCaughtTask = async (t: Active, attempt: number, outcome: AttemptOutcome): Promise<TaskMeta> => {
    const node = graph.steps.get(t.step)!;
    const w = new TaskWriter(storage, address(t.step, t.taskId));
    if (t.inputs.length === 1 && !node.isJoin) {
      const input = await readTaskMeta(storage, address(stepOfTask.get(t.inputs[0]!)!, t.inputs[0]!));
      for (const [name, ref] of Object.entries(input?.artifacts ?? {})) w.putRef(name, ref);
    }
    for (const [name, value] of Object.entries(o.params)) await w.putValue(name, value);
    const e = outcome.error ?? { type: 'Error', message: outcome.status };
    if (node.info.catch!.var) {
      const err = new Error(e.message);
      err.name = e.type;
      if (e.stack) err.stack = e.stack;
      await w.putValue(node.info.catch!.var!, err);
    }
    const now = new Date().toISOString();
    return w.done({ status: 'caught', attempt, foreachStack: t.stack, inputs: spec(t, attempt).inputs,
      next: t.step === 'end' ? null : { steps: node.next }, startedAt: now, finishedAt: now });
  };

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      if (failures.length === 0) {
        for (const r of nextRunnable(graph, finished)) {
          if (launched.has(r.key)) continue;
          launched.add(r.key);
          const t: Active = { ...r, taskId: String(++counter) };
          stepOfTask.set(t.taskId, t.step);
          queue.push(t);
        }
      } else {
        queue.length = 0;   // after a failure, let running tasks finish but start nothing new
      }
      while (running.size < o.maxWorkers && queue.length) {
        const t = queue.shift()!;
        const p: Promise<void> = runTask(t)
          .catch((err: unknown) => fail(t, `internal error: ${(err as Error).stack ?? String(err)}`))
          .finally(() => { running.delete(p); pump(); });
        running.add(p);
      }
      pool.prewarm(failures.length || endDone ? 0 : Math.min(o.maxWorkers, Math.max(2, queue.length)));
      if (running.size === 0 && queue.length === 0) resolveAll();
    };
    pump();
  });
  pool.close();

  const status = endDone && failures.length === 0 ? 'succeeded' : 'failed';
  const error = failures.length ? failures.join('\n') : status === 'failed' ? 'the run stopped before reaching end' : undefined;
  const final: RunMeta = { ...run, status, finishedAt: new Date().toISOString() };
  if (error) final.error = error;
  await updateRun(storage, final);
  o.onEvent?.({ type: 'run-done', runId: run.runId, status, ...(error ? { error } : {}) });
  const result: RunResult = { flow: graph.flow, runId: run.runId, pathspec: `${graph.flow}/${run.runId}`, status, executed, cloned };
  if (error) result.error = error;
  return result;
}
