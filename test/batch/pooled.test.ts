// lib/backends/pooled.ts: request-scoped arrays carved from a slab must never share memory,
// also across the switch to a new slab, and must keep the alignment they promise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledArray, pooledBody } from '../../lib/backends/pooled.js';

describe('pooled arrays', () => {
  it('never overlap, across many slabs, and are 8-byte aligned', () => {
    const live: Array<{ a: Float64Array | Float32Array | Uint8Array; v: number }> = [];
    for (let i = 0; i < 5000; i++) {
      const kind = i % 3;
      const a = kind === 0 ? pooledArray(Float64Array, 1 + (i % 100)) : kind === 1 ? pooledArray(Float32Array, 1 + (i % 250)) : pooledBody(1 + (i % 900), i % 8);
      if (kind < 2) assert.equal(a.byteOffset % 8, 0, 'typed arrays start 8-byte aligned');
      else assert.equal((a.byteOffset - (i % 8) + 8) % 8, 0, 'a body starts `pad` bytes past an 8-byte boundary');
      a.fill(i % 251);
      live.push({ a, v: i % 251 });
    }
    for (const { a, v } of live) assert.ok(a.every((x) => x === v), 'no later allocation wrote over an earlier one');
  });

  it('large requests get their own memory', () => {
    assert.equal(pooledArray(Float32Array, 1 << 16).buffer.byteLength, 1 << 18);
    const body = pooledBody(100_000, 3);
    assert.equal(body.length, 100_000);
    assert.equal(body.byteOffset, 3);
  });
});
