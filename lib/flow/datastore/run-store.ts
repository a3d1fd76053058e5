// Run metadata and run-ID allocation. Run IDs are increasing integers per flow ("1", "2", ...):
// an ID is claimed by creating runs/<Flow>/<id>/run.json with putObject(ifAbsent), which is
// atomic, so concurrent runs of one flow always get distinct IDs.
import { DatastoreError } from '../errors.js';
import { flowKey, runMetaKey } from './layout.js';
import type { Storage } from './storage.js';

export interface RunMeta {
  format: 1;
  flow: string;
  runId: string;
  file: string;
  params: Record<string, unknown>;
  tags: string[];
  status: 'running' | 'succeeded' | 'failed';
  error?: string;
  /** Host and process ID of the runner (absent in runs written before they were recorded). */
  host?: string;
  pid?: number;
  originRunId?: string;
  user: string;
  startedAt: string;
  finishedAt?: string;
}

/**
 * A run's status as readers should see it: a run.json still saying 'running' whose runner
 * process (on this host) no longer exists is 'crashed' (killed, or the machine's runner died),
 * since nothing will ever finish it. Runs on other hosts, or without a recorded pid, are taken
 * at their word. Derived only; run.json is never rewritten by a reader.
 */
export function effectiveRunStatus(meta: RunMeta, hostname: string): RunMeta['status'] | 'crashed' {
  if (meta.status !== 'running' || meta.pid === undefined || meta.host !== hostname) return meta.status;
  return processExists(meta.pid) ? 'running' : 'crashed';
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);  // signal 0: existence and permission check only
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';  // exists, owned by someone else
  }
}

export async function listRunIds(storage: Storage, flow: string): Promise<string[]> {
  const names = await storage.list(flowKey(flow));
  return names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
}

export async function allocateRun(storage: Storage, meta: Omit<RunMeta, 'runId'>): Promise<RunMeta> {
  const ids = await listRunIds(storage, meta.flow);
  let next = ids.length ? Number(ids[ids.length - 1]) + 1 : 1;
  for (let tries = 0; tries < 1000; tries++, next++) {
    const run: RunMeta = { ...meta, runId: String(next) };
    if (await storage.putObject(runMetaKey(meta.flow, run.runId), JSON.stringify(run, null, 1), { ifAbsent: true })) return run;
  }
  throw new DatastoreError('INTERNAL', `could not allocate a run ID for ${meta.flow} after 1000 attempts`);
}

export async function updateRun(storage: Storage, run: RunMeta): Promise<void> {
  await storage.putObject(runMetaKey(run.flow, run.runId), JSON.stringify(run, null, 1));
}

export async function readRun(storage: Storage, flow: string, runId: string): Promise<RunMeta | undefined> {
  const bytes = await storage.getObject(runMetaKey(flow, runId));
  return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as RunMeta) : undefined;
}
