// Worker processes for tasks. A WorkerHandle wraps one forked worker; the pool keeps up to N
// of them booted and waiting ("warm"), so a task starts without paying Node's start-up time.
// Every handle runs exactly one task attempt, then its process is gone.
import { fork, type ChildProcess } from 'node:child_process';
import type { LogSink } from './datastore/storage.js';
import type { TaskSpec } from './task-runtime.js';
import type { FromWorker, ToWorker } from './worker.js';

const kWorkerPath = new URL('./worker.js', import.meta.url).pathname;

export interface AttemptOutcome {
  status: 'ok' | 'failed' | 'timeout' | 'crashed';
  exitCode: number | null;
  signal: string | null;
  error?: { type: string; message: string; stack?: string };
}

export interface WorkerConfig {
  flowFile: string;
  flowName: string;
  datastoreRoot: string;
  /** A hook-free module for the flow (loader/direct.ts), when one could be made. */
  directUrl?: string;
}

export class WorkerHandle {
  readonly child: ChildProcess;
  readonly ready: Promise<boolean>;
  #buffered: Array<['out' | 'err', Buffer]> = [];
  #sinks: { out: LogSink; err: LogSink } | undefined;
  #error: AttemptOutcome['error'];
  #exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(config: WorkerConfig, execArgv: string[] = []) {
    this.child = fork(kWorkerPath, [config.flowFile, config.flowName, config.datastoreRoot, config.directUrl ?? ''], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv,
      env: { ...process.env, LARCH_DATASTORE: config.datastoreRoot },
    });
    const route = (which: 'out' | 'err') => (chunk: Buffer) => {
      if (this.#sinks) this.#sinks[which].write(chunk);
      else this.#buffered.push([which, chunk]);
    };
    this.child.stdout!.on('data', route('out'));
    this.child.stderr!.on('data', route('err'));
    // 'close' (not 'exit'): fires after the pipes drained, so the log has everything.
    this.#exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve) => {
      this.child.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') resolve(true);
        else if (msg.type === 'error') this.#error = msg.error;
      });
      void this.#exited.then(() => resolve(false));
    });
    this.child.on('error', () => { /* surfaced through 'close' */ });
  }

  /** Runs one attempt; `timeoutMs` 0 = none. Resolves when the process is gone. */
  async run(spec: TaskSpec, sinks: { out: LogSink; err: LogSink }, timeoutMs: number): Promise<AttemptOutcome> {
    this.#sinks = sinks;
    for (const [which, chunk] of this.#buffered) sinks[which].write(chunk);
    this.#buffered = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (await this.ready) {
      if (timeoutMs > 0) timer = setTimeout(() => { timedOut = true; this.child.kill('SIGKILL'); }, timeoutMs);
      const msg: ToWorker = { type: 'task', spec };
      this.child.send(msg, (err) => { if (err) this.child.kill('SIGKILL'); });
    }
    const { code, signal } = await this.#exited;
    if (timer) clearTimeout(timer);
    const base = { exitCode: code, signal };
    if (timedOut) return { ...base, status: 'timeout', error: { type: 'TimeoutError', message: `step '${spec.step}' exceeded its @timeout of ${timeoutMs / 1000} s` } };
    if (code === 0) return { ...base, status: 'ok' };
    if (this.#error) return { ...base, status: 'failed', error: this.#error };
    return { ...base, status: 'crashed', error: { type: 'WorkerCrash', message: `the worker process died (${signal ? `signal ${signal}` : `exit code ${code}`}) before reporting` } };
  }

  dispose(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToWorker, () => {});
      setTimeout(() => { if (this.child.exitCode === null) this.child.kill('SIGKILL'); }, 2000).unref();
    }
  }
}

export class WorkerPool {
  readonly #config: WorkerConfig;
  readonly #warm: WorkerHandle[] = [];
  #target = 0;
  #closed = false;

  constructor(config: WorkerConfig) {
    this.#config = config;
  }

  /** Keep `n` booted workers waiting (the executor sets this to what it may launch next). */
  prewarm(n: number): void {
    this.#target = n;
    while (!this.#closed && this.#warm.length < this.#target) this.#warm.push(new WorkerHandle(this.#config));
  }

  /** A worker for one attempt; `execArgv` (e.g. a heap cap) forces a dedicated process. */
  acquire(execArgv: string[] = []): WorkerHandle {
    if (execArgv.length) return new WorkerHandle(this.#config, execArgv);
    const w = this.#warm.shift() ?? new WorkerHandle(this.#config);
    this.prewarm(this.#target);
    return w;
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#warm.splice(0)) w.dispose();
  }
}
