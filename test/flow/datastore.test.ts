// The datastore: envelope encoding (typed arrays, tensors, tagged JSON), zero-copy reads,
// content addressing, atomic writes, DONE semantics.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as flatbuffers from 'flatbuffers';
import {
  decodeArtifact, encodeArtifact, isZeroCopyView, LocalStorage, readTaskMeta, TaskWriter, fromTaggedJson, toTaggedJson,
} from '../../lib/flow/datastore/index.js';
import { Artifact } from '../../lib/flow/datastore/generated/larch/flow/artifact.js';
import { referenceBlobName, tempDir } from './helpers.js';

const tmp = tempDir('datastore');
after(tmp.cleanup);
const storage = new LocalStorage(tmp.dir);

async function roundTrip(value: unknown): Promise<{ back: unknown; blob: Uint8Array }> {
  const enc = encodeArtifact(value, 'test value');
  const info = await storage.putBlob(enc.chunks);
  const blob = await storage.getBlob(info.hash);
  return { back: decodeArtifact(blob, info.hash), blob };
}

describe('artifact envelope', () => {
  it('round-trips every typed array kind as a zero-copy view at a 64-byte aligned offset', async () => {
    const arrays = [
      Int8Array.of(-1, 2), Uint8Array.of(1, 255), Uint8ClampedArray.of(9), Int16Array.of(-300), Uint16Array.of(60000),
      Int32Array.of(-7, 8), Uint32Array.of(4e9), Float32Array.of(1.5, NaN), Float64Array.of(Math.PI), BigInt64Array.of(-5n), BigUint64Array.of(2n ** 63n),
    ];
    for (const a of arrays) {
      const { back, blob } = await roundTrip(a);
      assert.equal((back as object).constructor, a.constructor);
      assert.deepEqual(back, a);
      const view = back as ArrayBufferView;
      assert.ok(isZeroCopyView(view, blob), `${a.constructor.name} view shares the blob's memory`);
      assert.equal((view.byteOffset - blob.byteOffset) % 64, 0);
    }
  });

  it('keeps a tensor (name, datatype, shape, data)', async () => {
    const t = { name: 'input__0', datatype: 'FP32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    const { back } = await roundTrip(t);
    assert.deepEqual(back, t);
  });

  it('is a valid FlatBuffer: a generic reader sees the payload as the data vector', async () => {
    const a = Float32Array.of(3, 1, 4, 1, 5);
    const enc = encodeArtifact(a, 'x');
    const bytes = new Uint8Array(Buffer.concat(enc.chunks));
    const art = Artifact.getRootAsArtifact(new flatbuffers.ByteBuffer(bytes));
    assert.ok(Artifact.bufferHasIdentifier(new flatbuffers.ByteBuffer(bytes)));
    assert.equal(art.version(), 1);
    assert.equal(art.dataLength(), a.byteLength);
    assert.equal(art.shapeLength(), 1);
    assert.equal(art.shape(0), 5n);
    assert.deepEqual(new Float32Array(art.dataArray()!.slice().buffer), a);
  });

  it('keeps Map, Set, Date, BigInt, undefined, NaN, ±Infinity, -0, nested typed arrays and Errors in JSON', async () => {
    const value = {
      m: new Map<unknown, unknown>([['k', new Set([1, 2])], [3, new Date(0)]]),
      big: -(2n ** 70n), u: undefined, nan: NaN, inf: Infinity, ninf: -Infinity, negZero: -0,
      arr: [1, undefined, 'x'], nested: Float64Array.of(0.25), bad: new Date(NaN), err: new TypeError('boom'),
      $larch: 'user key',
    };
    const { back } = await roundTrip(value);
    const b = back as typeof value;
    assert.deepEqual(b.m, value.m);
    assert.equal(b.big, value.big);
    assert.ok('u' in b && b.u === undefined);
    assert.ok(Number.isNaN(b.nan));
    assert.equal(b.inf, Infinity);
    assert.equal(b.ninf, -Infinity);
    assert.ok(Object.is(b.negZero, -0));
    assert.deepEqual(b.arr, [1, undefined, 'x']);
    assert.deepEqual(b.nested, Float64Array.of(0.25));
    assert.ok(Number.isNaN(b.bad.getTime()));
    assert.equal(b.err.name, 'TypeError');
    assert.equal(b.err.message, 'boom');
    assert.equal(b.$larch, 'user key');
  });

  it('refuses functions and cycles, naming the artifact', () => {
    assert.throws(() => encodeArtifact({ f() {} }, "artifact 'model'"), /artifact 'model'\.f: a function/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    assert.throws(() => toTaggedJson(cyc, "artifact 'c'"), /cycle/);
    assert.throws(() => fromTaggedJson('{"$larch":"Future"}'), /unknown \$larch tag/);
  });

  it('rejects blobs that are not envelopes, and envelope versions it does not know', async () => {
    assert.throws(() => decodeArtifact(Buffer.from('not an artifact at all'), 'ab'.repeat(32)), /LRCH file identifier/);
    const enc = encodeArtifact(Float32Array.of(1), 'x');
    const bytes = new Uint8Array(Buffer.concat(enc.chunks));
    const art = Artifact.getRootAsArtifact(new flatbuffers.ByteBuffer(bytes));
    // Patch the version field in place (offset of the field inside the table).
    const bb = new flatbuffers.ByteBuffer(bytes);
    const fieldOffset = bb.__offset(art.bb_pos, 4);
    bb.writeUint16(art.bb_pos + fieldOffset, 9);
    assert.throws(() => decodeArtifact(bytes, 'cd'.repeat(32)), /envelope version 9 is not supported/);
  });
});

describe('local storage', () => {
  it('stores identical artifacts once, under the blob name of their bytes', async () => {
    const a = encodeArtifact(new Float64Array(300_000).fill(2), 'x');   // > 1 MiB: the overlapped write path
    const first = await storage.putBlob(a.chunks);
    const second = await storage.putBlob(encodeArtifact(new Float64Array(300_000).fill(2), 'x').chunks);
    assert.equal(first.hash, second.hash);
    assert.equal(first.existed, false);
    assert.equal(second.existed, true);
    const file = path.join(tmp.dir, 'blobs', first.hash.slice(0, 2), first.hash);
    assert.equal(referenceBlobName([readFileSync(file)]), first.hash);
    assert.deepEqual(new Uint8Array(readFileSync(file)), new Uint8Array(Buffer.concat(a.chunks)), 'the file holds exactly the chunks');
    const small1 = await storage.putBlob([Buffer.from('tiny')]);
    const small2 = await storage.putBlob([Buffer.from('tiny')]);
    assert.deepEqual([small1.existed, small2.existed], [false, true]);
    assert.deepEqual(readdirSync(path.join(tmp.dir, 'tmp')), [], 'no temp files left behind');
  });

  it('putObject ifAbsent creates exactly once', async () => {
    assert.equal(await storage.putObject('x/once.json', '1', { ifAbsent: true }), true);
    assert.equal(await storage.putObject('x/once.json', '2', { ifAbsent: true }), false);
    assert.equal(Buffer.from((await storage.getObject('x/once.json'))!).toString(), '1');
    assert.equal(await storage.getObject('x/missing.json'), undefined);
    await assert.rejects(storage.getObject('../escape'), /invalid datastore key/);
  });

  it('a task is invisible until DONE, and refuses writes after DONE', async () => {
    const address = { flow: 'F', runId: '1', step: 'start', taskId: '1' };
    const w = new TaskWriter(storage, address);
    await w.putValue('x', 1);
    assert.equal(await readTaskMeta(storage, address), undefined);
    // A task.json without DONE (writer killed between the two) is still invisible.
    mkdirSync(path.join(tmp.dir, 'runs/F/1/start/2'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'runs/F/1/start/2/task.json'), '{}');
    assert.equal(await readTaskMeta(storage, { ...address, taskId: '2' }), undefined);
    const meta = await w.done({ status: 'ok', attempt: 0, foreachStack: [], inputs: [], next: null, startedAt: '', finishedAt: '' });
    assert.deepEqual((await readTaskMeta(storage, address))?.artifacts, meta.artifacts);
    await assert.rejects(w.putValue('y', 2), /after task F\/1\/start\/1 was marked DONE/);
    assert.throws(() => w.putRef('y', meta.artifacts.x!), /marked DONE/);
  });
});
