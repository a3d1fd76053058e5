// Builds small ONNX models (ModelProto bytes) for tests, with a minimal protobuf writer, so the
// tests can cover every element type and broken models without the Python onnx package.
// Field numbers are ONNX's (onnx/onnx.proto3).

/** ONNX TensorProto.DataType numbers. */
export const OnnxType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16,
} as const;

class Writer {
  private parts: number[] = [];
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      this.parts.push(b);
    } while (x);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytes(field, w.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A dimension: a number (fixed) or a string (symbolic, e.g. 'batch'). */
export type Dim = number | string;
export interface ValueInfo { name: string; type: number; shape: Dim[] }
export interface Node { op: string; inputs: string[]; outputs: string[]; domain?: string; attrs?: Array<{ name: string; i: number }> }

function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tensor = new Writer().int(1, v.type).msg(2, shape);
  return new Writer().str(1, v.name).msg(2, new Writer().msg(1, tensor));
}

export function buildModel(opts: {
  nodes: Node[]; inputs: ValueInfo[]; outputs: ValueInfo[];
  opset?: number; irVersion?: number; extraOpsets?: Array<{ domain: string; version: number }>;
}): Uint8Array {
  const graph = new Writer();
  for (const n of opts.nodes) {
    const node = new Writer();
    for (const i of n.inputs) node.str(1, i);
    for (const o of n.outputs) node.str(2, o);
    node.str(4, n.op);
    for (const a of n.attrs ?? []) node.msg(5, new Writer().str(1, a.name).int(3, a.i).int(20, 2 /* INT */));
    if (n.domain) node.str(7, n.domain);
    graph.msg(1, node);
  }
  graph.str(2, 'test_graph');
  for (const i of opts.inputs) graph.msg(11, valueInfo(i));
  for (const o of opts.outputs) graph.msg(12, valueInfo(o));
  const model = new Writer().int(1, opts.irVersion ?? 8).str(2, 'larch-tests');
  model.msg(8, new Writer().str(1, '').int(2, opts.opset ?? 13));
  for (const o of opts.extraOpsets ?? []) model.msg(8, new Writer().str(1, o.domain).int(2, o.version));
  model.msg(7, graph);
  return model.done();
}

/** y = Identity(x) with x, y of `type` and shape [batch, ...rest]. */
export function identityModel(type: number, rest: Dim[] = [3], opset = 13): Uint8Array {
  return buildModel({
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    inputs: [{ name: 'x', type, shape: ['batch', ...rest] }],
    outputs: [{ name: 'y', type, shape: ['batch', ...rest] }],
    opset,
  });
}
