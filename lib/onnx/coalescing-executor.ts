// The library's executor for one in-process session: requests made in the same turn of the
// event loop are merged into one batch (concatenated along dim 0) and run on the calling thread,
// then each caller gets its own rows back as views of the batch's outputs (no copy).
//
// Why on the calling thread: for the small models a library call serves, a hop to a worker
// thread and back costs as much as the run itself (measured in bench/onnx), so a lone request
// runs at once, like onnxruntime-node's own run(), and concurrency is served by batching. The
// server uses the native batcher's threads instead (lib/backends/onnx.ts).
import type { ModelStats, Tensor, TensorData } from '../backends/types.js';
import { invalidArgument } from '../protocol/errors.js';
import { DirectStats, type OnnxExecutor } from './model.js';
import type { OnnxSession } from './session.js';

interface Pending {
  inputs: Tensor[];
  outputNames: string[] | undefined;
  rows: number;
  /** Requests may share a batch when every input has the same datatype and per-row shape (set when needed). */
  key: string | undefined;
  resolve: (t: Tensor[]) => void;
  reject: (e: unknown) => void;
}

type TypedArray = Exclude<TensorData, Buffer[]>;

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function keyOf(p: Pending): string {
  p.key ??= p.inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).sort().join('|');
  return p.key;
}

export class CoalescingExecutor implements OnnxExecutor {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly stat = new DirectStats();
  private closed = false;

  /** `order`: the model's input names in the session's order (merged tensors follow it). */
  constructor(private readonly session: OnnxSession, private readonly maxBatchSize: number, private readonly order: readonly string[]) {}

  run(inputs: Tensor[], outputNames: string[] | undefined): Promise<Tensor[]> {
    for (const t of inputs) {
      const n = elements(t.shape);
      if (t.data.length !== n) {
        return Promise.reject(invalidArgument(`${this.session.label}: input '${t.name}' has shape [${t.shape.join(',')}] ` +
          `(${n} elements), its data holds ${t.data.length}`));
      }
    }
    return new Promise<Tensor[]>((resolve, reject) => {
      const rows = this.maxBatchSize > 0 ? inputs[0]?.shape[0] ?? 1 : 1;
      this.pending.push({ inputs, outputNames, rows, key: undefined, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.pending;
    this.pending = [];
    while (queue.length) {
      const first = queue.shift()!;
      const batch = [first];
      if (this.maxBatchSize > 0 && queue.length) {
        let rows = first.rows;
        const key = keyOf(first);
        for (let i = 0; i < queue.length;) {
          const p = queue[i]!;
          if (rows + p.rows <= this.maxBatchSize && keyOf(p) === key) {
            batch.push(p);
            rows += p.rows;
            queue.splice(i, 1);
          } else i++;
        }
      }
      this.runBatch(batch);
    }
  }

  private runOne(p: Pending): void {
    const start = process.hrtime.bigint();
    try {
      const out = this.session.runSync(p.inputs, p.outputNames);
      this.stat.record(p.rows, true, Number(process.hrtime.bigint() - start));
      p.resolve(out);
    } catch (err) {
      this.stat.record(p.rows, false, Number(process.hrtime.bigint() - start));
      p.reject(err);
    }
  }

  private runBatch(batch: Pending[]): void {
    if (batch.length === 1) {
      this.runOne(batch[0]!);
      return;
    }
    const total = batch.reduce((n, p) => n + p.rows, 0);
    const start = process.hrtime.bigint();
    let outputs: Tensor[];
    try {
      outputs = this.session.runSync(this.order.map((name) => this.concat(name, batch, total)));
    } catch {
      // One bad request must not fail the others: run each alone, so only its own call fails.
      for (const p of batch) this.runOne(p);
      return;
    }
    if (outputs.some((o) => o.shape[0] !== total)) {
      for (const p of batch) this.runOne(p);  // outputs not aligned with the batch: cannot split
      return;
    }
    const ns = Number(process.hrtime.bigint() - start);
    this.stat.record(total, true, ns);
    let offset = 0;
    for (const p of batch) {
      const mine = outputs
        .filter((o) => !p.outputNames || p.outputNames.includes(o.name))
        .map((o) => this.rows(o, offset, p.rows));
      if (p.outputNames) mine.sort((a, b) => p.outputNames!.indexOf(a.name) - p.outputNames!.indexOf(b.name));
      offset += p.rows;
      p.resolve(mine);
    }
  }

  /** One merged input: the requests' tensors of that name back to back. */
  private concat(name: string, batch: Pending[], total: number): Tensor {
    const parts = batch.map((p) => p.inputs.find((t) => t.name === name)!);
    const head = parts[0]!;
    const shape = [total, ...head.shape.slice(1)];
    if (head.datatype === 'BYTES') return { name, datatype: head.datatype, shape, data: parts.flatMap((t) => t.data as Buffer[]) };
    const ctor = (head.data as TypedArray).constructor as new (n: number) => TypedArray;
    const data = new ctor(elements(shape));
    let at = 0;
    for (const t of parts) {
      (data as Float32Array).set(t.data as Float32Array, at);
      at += t.data.length;
    }
    return { name, datatype: head.datatype, shape, data };
  }

  /** Rows [offset, offset + rows) of a batch output, as a view (BYTES: a slice of the array). */
  private rows(o: Tensor, offset: number, rows: number): Tensor {
    const per = elements(o.shape.slice(1));
    const shape = [rows, ...o.shape.slice(1)];
    const data = Array.isArray(o.data)
      ? o.data.slice(offset * per, (offset + rows) * per)
      : (o.data as Float32Array).subarray(offset * per, (offset + rows) * per);
    return { name: o.name, datatype: o.datatype, shape, data };
  }

  stats(): ModelStats {
    return this.stat.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Everything queued runs in the microtask already scheduled; nothing runs off-thread.
    await new Promise<void>((r) => setImmediate(r));
    this.session.release();
  }
}
