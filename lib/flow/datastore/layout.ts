// Keys of the datastore layout, relative to the root (default `.larch/` in the working directory).
//
//   blobs/<h0h1>/<name>                         artifact envelopes (schemas/artifact.fbs), write-once
//   tmp/                                        temp files of in-flight atomic writes (safe to delete
//                                               when no run is active)
//   runs/<Flow>/<runId>/run.json                run metadata: params, tags, status, origin run
//   runs/<Flow>/<runId>/<step>/<taskId>/task.json       artifact index + transition, written last
//   runs/<Flow>/<runId>/<step>/<taskId>/DONE            marker: the task is complete
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.json     status of attempt n (0-based)
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.stdout   captured output of attempt n
//   runs/<Flow>/<runId>/<step>/<taskId>/attempt-<n>.stderr
//
// A blob's <name> (64 lower-case hex digits; <h0h1> is its first two) is its blob name, version 1,
// a SHA-256 tree hash computed by blob-name.ts (the one implementation). For the n bytes of the
// file split into k = ceil(n / 1 MiB) chunks of 1 MiB (the last one shorter; none when n = 0):
//
//   leaf_i = SHA-256(chunk_i)
//   name   = SHA-256("larch-blob-v1" 0x00 || n as u64 little-endian || leaf_0 || ... || leaf_{k-1})
//
// It is NOT the plain sha256sum of the file: the leaves are hashed in parallel while the file is
// written (a plain SHA-256 is sequential and slower than the write). The README shows how to
// recompute it with any SHA-256.
import { DatastoreError } from '../errors.js';

const kBlobNamePattern = /^[0-9a-f]{64}$/;
const kName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function blobKey(hash: string): string {
  if (!kBlobNamePattern.test(hash)) throw new DatastoreError('INVALID_ARGUMENT', `"${hash}" is not a blob name (64 lower-case hex digits)`);
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
