// The native SHA-256 (both compression paths) against node:crypto, the blob name against a
// node:crypto reference of its definition, and the native parallel blob writer.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  blobName, encodeArtifact, kBlobChunkSize, LocalStorage, nativeSha256, sha256ForcePortable, sha256Implementation, writeBlobFile,
} from '../../lib/flow/datastore/index.js';
import { DatastoreError } from '../../lib/flow/errors.js';
import { referenceBlobName, tempDir } from './helpers.js';

const tmp = tempDir('blob-name');
after(tmp.cleanup);

const C = kBlobChunkSize;
const plain = (...parts: Uint8Array[]) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest('hex'); };

/** Runs fn once on the CPU's path and once on the portable path (once if they are the same). */
function onBothPaths(fn: (path: string) => void): void {
  const paths = sha256Implementation() !== 'portable' ? [false, true] : [true];
  for (const force of paths) {
    const before = sha256ForcePortable(force);
    try { fn(sha256Implementation()); } finally { sha256ForcePortable(before); }
  }
}

/** `bytes` cut into pieces at the given offsets (empty pieces included when offsets repeat). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const o of [...offsets, bytes.byteLength]) { out.push(bytes.subarray(at, o)); at = o; }
  return out;
}

describe('native sha256', () => {
  it('matches the FIPS 180-4 / NIST test vectors', () => {
    onBothPaths((impl) => {
      const vectors: Array<[Uint8Array, string]> = [
        [Buffer.from('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
        [Buffer.alloc(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
        [Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
        [Buffer.from('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
          'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
        [Buffer.alloc(1_000_000, 'a'), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
      ];
      for (const [msg, digest] of vectors) assert.equal(nativeSha256([msg]), digest, `${impl}: ${msg.byteLength} bytes`);
    });
  });

  it('matches node:crypto on random messages of many sizes, in one piece or several', () => {
    const sizes = [1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 191, 1000, 4095, 4096, 65_537, C + 13];
    for (let n = 0; n < 300; n += 7) sizes.push(n);
    onBothPaths((impl) => {
      for (const n of sizes) {
        const msg = randomBytes(n);
        assert.equal(nativeSha256([msg]), plain(msg), `${impl}: ${n} bytes`);
        const pieces = cut(msg, [Math.floor(n / 3), Math.floor(n / 3), Math.floor(n / 2) + 1].map((o) => Math.min(o, n)));
        assert.equal(nativeSha256(pieces), plain(msg), `${impl}: ${n} bytes in ${pieces.length} pieces`);
      }
    });
  });
});

describe('blob name', () => {
  it('equals the node:crypto reference of its definition at every size around the chunk size', () => {
    const sizes = [0, 1, 64, C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1, 3 * C, 3 * C + 7, 5 * C + 17, 16 * C - 5, 16 * C, 32 * C + 1, 33 * C + 9];
    onBothPaths((impl) => {
      for (const n of sizes) {
        const bytes = randomBytes(n);
        const want = referenceBlobName([bytes]);
        assert.equal(blobName([bytes]), want, `${impl}: ${n} bytes`);
        // Split like an envelope (a small header, then the payload), across chunk boundaries,
        // with empty pieces: the name depends only on the concatenation.
        const offsets = [Math.min(n, 100), Math.min(n, 100), Math.min(n, C), Math.min(n, C + 5), Math.min(n, 2 * C + 3)];
        assert.equal(blobName(cut(bytes, offsets)), want, `${impl}: ${n} bytes in pieces`);
      }
    });
  });

  it('is not the plain sha256 of the bytes, and depends on every byte and on the size', () => {
    const bytes = randomBytes(3 * C + 1);
    assert.notEqual(blobName([bytes]), plain(bytes));
    const flipped = Buffer.from(bytes);
    flipped[2 * C + 17] = flipped[2 * C + 17]! ^ 1;
    assert.notEqual(blobName([flipped]), blobName([bytes]));
    // Zero bytes appended inside the last chunk change the size, and so the name.
    assert.notEqual(blobName([bytes, Buffer.alloc(3)]), blobName([bytes]));
  });

  it('accepts any ArrayBufferView and refuses other chunks with a DatastoreError', () => {
    const f = Float64Array.of(1.5, -2, 3);
    assert.equal(blobName([f]), referenceBlobName([new Uint8Array(f.buffer)]));
    assert.equal(blobName([new DataView(f.buffer, 8)]), referenceBlobName([new Uint8Array(f.buffer, 8)]));
    for (const bad of [['text'], [1], 'not an array', [null]]) {
      assert.throws(() => blobName(bad as unknown as Uint8Array[]), (err: unknown) =>
        err instanceof DatastoreError && err.code === 'INVALID_ARGUMENT' && /chunks/.test(err.message));
    }
  });
});

describe('native blob writer', () => {
  it('writes exactly the concatenated bytes and resolves to their blob name', async () => {
    for (const n of [0, 10, C, 7 * C + 3, 40 * C + 5]) {
      const bytes = randomBytes(n);
      const parts = cut(bytes, [Math.min(n, 64), Math.min(n, 64), Math.min(n, C + 1)]);
      const file = path.join(tmp.dir, `w-${n}`);
      const name = await writeBlobFile(file, parts);
      assert.equal(name, referenceBlobName([bytes]));
      assert.ok(readFileSync(file).equals(bytes), `${n} bytes written as given`);
    }
  });

  it('fails with a DatastoreError and leaves no file behind', async () => {
    const existing = path.join(tmp.dir, 'exists');
    writeFileSync(existing, 'keep me');
    await assert.rejects(writeBlobFile(existing, [randomBytes(2 * C)]), (err: unknown) =>
      err instanceof DatastoreError && err.code === 'INTERNAL' && /exists/i.test(err.message));
    assert.equal(readFileSync(existing, 'utf8'), 'keep me', 'an existing file is never overwritten');
    const nowhere = path.join(tmp.dir, 'no-such-dir', 'blob');
    await assert.rejects(writeBlobFile(nowhere, [randomBytes(10)]), (err: unknown) => err instanceof DatastoreError && /no-such-dir/.test(err.message));
    assert.equal(existsSync(nowhere), false);
    await assert.rejects(writeBlobFile(path.join(tmp.dir, 'bad'), [42 as unknown as Uint8Array]), (err: unknown) =>
      err instanceof DatastoreError && err.code === 'INVALID_ARGUMENT');
    assert.equal(existsSync(path.join(tmp.dir, 'bad')), false);
  });

  it('large artifacts stored through LocalStorage read back identical and deduplicate', async () => {
    const storage = new LocalStorage(path.join(tmp.dir, 'store'));
    storage.ensureRoot();
    const data = new Float32Array((5 * C + 12_345) / 4);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i);
    const enc = encodeArtifact(data, 'x');
    const first = await storage.putBlob(enc.chunks);
    assert.equal(first.hash, referenceBlobName(enc.chunks));
    assert.equal(first.existed, false);
    const back = await storage.getBlob(first.hash);
    assert.ok(Buffer.from(back).equals(Buffer.concat(enc.chunks)));
    const again = await storage.putBlob(encodeArtifact(data.slice(), 'x').chunks);
    assert.deepEqual([again.hash, again.existed], [first.hash, true]);
    assert.deepEqual(readdirSync(path.join(storage.location, 'tmp')), [], 'the duplicate temp file was removed');
    for (const bad of [[1, 2], 'bytes', [Buffer.alloc(2 * C), {}]]) {
      await assert.rejects(storage.putBlob(bad as unknown as Uint8Array[]), (err: unknown) =>
        err instanceof DatastoreError && err.code === 'INVALID_ARGUMENT');
    }
    assert.deepEqual(readdirSync(path.join(storage.location, 'tmp')), [], 'a refused write leaves no temp file');
  });
});
