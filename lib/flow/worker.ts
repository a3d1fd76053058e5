// Entry point of a task worker process (child_process.fork). One process runs one task attempt:
//
//   parent                                   worker
//   fork(worker.js, [flowFile, flowName, datastoreRoot])
//                                            imports the flow file  -> {type:'ready'}
//   {type:'task', spec}                ->    runs the step, writes artifacts, task.json, DONE
//                                      <-    {type:'done'} | {type:'error', error}, then exits
//
// Workers are started ahead of need ("warm") so a task does not wait for Node to boot, but each
// still gets a fresh process. stdout/stderr are pipes the parent copies into the attempt's logs.
import { LocalStorage } from './datastore/local-storage.js';
import { importFlow } from './loader/register.js';
import { executeTask, type TaskSpec } from './task-runtime.js';

export type ToWorker = { type: 'task'; spec: TaskSpec } | { type: 'exit' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done' }
  | { type: 'error'; error: { type: string; message: string; stack?: string } };

function send(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) { resolve(); return; }
    process.send(msg, undefined, {}, () => resolve());
  });
}

function describeError(err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) {
    const out: { type: string; message: string; stack?: string } = { type: err.name, message: err.message };
    if (err.stack) out.stack = err.stack;
    return out;
  }
  return { type: typeof err, message: String(err) };
}

async function fail(err: unknown): Promise<never> {
  const e = describeError(err);
  process.stderr.write(`${e.stack ?? `${e.type}: ${e.message}`}\n`);
  await send({ type: 'error', error: e });
  process.exit(1);
}

async function main(): Promise<void> {
  const [file, flowName, root, directUrl] = process.argv.slice(2);
  if (!file || !root || !process.send) {
    console.error('larch flow worker: started without a parent process; use `larch flow run`');
    process.exit(2);
  }
  process.on('uncaughtException', (err) => { void fail(err); });
  process.on('unhandledRejection', (err) => { void fail(err); });
  const storage = new LocalStorage(root);
  let loaded: Awaited<ReturnType<typeof importFlow>>;
  try {
    loaded = await importFlow(file, flowName || undefined, directUrl || undefined);
  } catch (err) {
    return fail(err);
  }
  process.once('message', (msg: ToWorker) => {
    if (msg.type === 'exit') process.exit(0);
    executeTask(loaded.cls, storage, msg.spec).then(
      async () => { await send({ type: 'done' }); process.exit(0); },
      (err) => fail(err),
    );
  });
  process.on('disconnect', () => process.exit(0));
  await send({ type: 'ready' });
}

void main();
