// Keys of the datastore layout, relative to the root (default `.larch/` in the working directory).
//
//   blobs/<h0h1>/<sha256>                       artifact envelopes (schemas/artifact.fbs), write-once
//   tmp/                                        temp files of in-flight atomic writes (safe to delete
//                                               when no run is active)
//   runs/<Flow>/<runId>/run.json                run metadata: params, tags, status, origin run
//   runs/<Flow>/<runId>/<step>/<taskId>/task.json       artifact index + transition, written last
//   runs/<Flow>/<runId>/<step>/<taskId>/DONE            marker: the task is complete
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.json     status of attempt n (0-based)
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.stdout   captured output of attempt n
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.stderr
import { DatastoreError } from '../errors.js';

const kSha256 = /^[0-9a-f]{64}$/;
const kName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function blobKey(hash: string): string {
  if (!kSha256.test(hash)) throw new DatastoreError('INVALID_ARGUMENT', `"${hash}" is not a sha256 blob hash`);
  return `blobs/${hash.slice(0, 2)}/${hash}`;
}

/** Flow, step and run/task IDs are used as path segments: refuse anything that could escape. */
export function checkName(kind: string, value: string): string {
  if (!kName.test(value) || value === '.' || value === '..') {
    throw new DatastoreError('INVALID_ARGUMENT', `invalid ${kind} "${value}": use letters, digits, '_', '-' and '.'`);
  }
  return value;
}

export const flowKey = (flow: string) => `runs/${checkName('flow name', flow)}`;
export const runKey = (flow: string, runId: string) => `${flowKey(flow)}/${checkName('run id', runId)}`;
export const runMetaKey = (flow: string, runId: string) => `${runKey(flow, runId)}/run.json`;
export const stepKey = (flow: string, runId: string, step: string) => `${runKey(flow, runId)}/${checkName('step name', step)}`;
export const taskKey = (flow: string, runId: string, step: string, taskId: string) =>
  `${stepKey(flow, runId, step)}/${checkName('task id', taskId)}`;
export const taskMetaKey = (t: TaskAddress) => `${taskKey(t.flow, t.runId, t.step, t.taskId)}/task.json`;
export const taskDoneKey = (t: TaskAddress) => `${taskKey(t.flow, t.runId, t.step, t.taskId)}/DONE`;
export const attemptKey = (t: TaskAddress, attempt: number, ext: 'json' | 'stdout' | 'stderr') =>
  `${taskKey(t.flow, t.runId, t.step, t.taskId)}/attempt-${attempt}.${ext}`;

export interface TaskAddress {
  flow: string;
  runId: string;
  step: string;
  taskId: string;
}

export const pathspecOf = (t: TaskAddress) => `${t.flow}/${t.runId}/${t.step}/${t.taskId}`;

export function parsePathspec(spec: string): TaskAddress {
  const parts = spec.split('/');
  if (parts.length !== 4) throw new DatastoreError('INVALID_ARGUMENT', `"${spec}" is not a task pathspec (Flow/run/step/task)`);
  const [flow, runId, step, taskId] = parts as [string, string, string, string];
  return { flow, runId, step, taskId };
}
