// Request bodies for the serving benchmark: the same rows as HTTP JSON, HTTP binary (binary tensor
// extension) and a gRPC ModelInferRequest frame (5-byte gRPC prefix + protobuf).
import { Writer } from '../../lib/grpc/wire.js';

export interface Bodies {
  json: Buffer;
  binary: Buffer;
  binaryHeaderLength: number;
  grpcFrame: Buffer;
}

/** `batch` rows of `features` floats, cycling through `rows`. */
export function batchRows(rows: Float32Array, features: number, batch: number): Float32Array {
  const n = rows.length / features;
  const out = new Float32Array(batch * features);
  for (let r = 0; r < batch; r++) out.set(rows.subarray((r % n) * features, (r % n + 1) * features), r * features);
  return out;
}

export function buildBodies(model: string, x: Float32Array, batch: number, features: number): Bodies {
  const shape = [batch, features];
  // Missing values as the bare NaN token, as tritonclient (Python's json) sends them.
  const json = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input__0', datatype: 'FP32', shape, data: Array.from(x, (v) => (Number.isNaN(v) ? 'NaN-TOKEN' : v)) }],
    outputs: [{ name: 'output__0' }],
  }).replaceAll('"NaN-TOKEN"', 'NaN'));
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input__0', datatype: 'FP32', shape, parameters: { binary_data_size: x.byteLength } }],
    outputs: [{ name: 'output__0', parameters: { binary_data: true } }],
  }));
  const binary = Buffer.concat([header, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]);

  const w = new Writer(x.byteLength + 256);
  w.stringField(1, model);
  w.message(5, () => {
    w.stringField(1, 'input__0');
    w.stringField(2, 'FP32');
    w.message(3, () => { for (const d of shape) w.varint(d); });
  });
  w.message(6, () => w.stringField(1, 'output__0'));
  w.bytesField(7, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const pb = w.finish();
  const grpcFrame = Buffer.alloc(5 + pb.length);
  grpcFrame.writeUInt8(0, 0);
  grpcFrame.writeUInt32BE(pb.length, 1);
  pb.copy(grpcFrame, 5);
  return { json, binary, binaryHeaderLength: header.length, grpcFrame };
}
