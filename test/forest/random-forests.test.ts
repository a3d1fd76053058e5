// Random numerical forests against a direct JS evaluation of the same trees: exact equality for
// float32 and float64 models, at batch sizes that exercise every evaluation path (rows in lanes
// of 8, trees in lanes of 8 for small batches, the remainders, the thread pool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../lib/index.js';
import { buildCheckpoint, type Op, type TestNode } from './tl-builder.js';

function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const OPS: Op[] = ['<', '<=', '>', '>='];

function randomTree(rand: () => number, numFeature: number, maxDepth: number, f32: boolean): TestNode[] {
  const nodes: TestNode[] = [];
  const grow = (depth: number): number => {
    const id = nodes.length;
    const r = (v: number) => (f32 ? Math.fround(v) : v);
    if (depth >= maxDepth || (depth > 0 && rand() < 0.25)) {
      nodes.push({ leaf: r(rand() * 2 - 1) });
      return id;
    }
    const node = {
      feature: Math.floor(rand() * numFeature), op: OPS[Math.floor(rand() * 4)]!,
      threshold: r(Math.round((rand() * 4 - 2) * 8) / 8), left: -1, right: -1, defaultLeft: rand() < 0.5,
      missing: (rand() < 0.2 ? 'none' : 'nan') as 'none' | 'nan',
    };
    nodes.push(node);
    node.left = grow(depth + 1);
    node.right = grow(depth + 1);
    return id;
  };
  grow(0);
  return nodes;
}

function evalTree(nodes: TestNode[], row: number[]): number {
  let n = nodes[0]!;
  while (!('leaf' in n)) {
    if (!('op' in n)) throw new Error('numerical nodes only');
    let x = row[n.feature]!;
    let left: boolean;
    if (Number.isNaN(x) && n.missing !== 'none') {
      left = !!n.defaultLeft;
    } else {
      if (Number.isNaN(x)) x = 0;
      const t = n.threshold;
      left = n.op === '<' ? x < t : n.op === '<=' ? x <= t : n.op === '>' ? x > t : x >= t;
    }
    n = nodes[left ? n.left : n.right]!;
  }
  return n.leaf as number;
}

for (const f32 of [true, false]) {
  test(`random forests match a direct evaluation exactly (${f32 ? 'float32' : 'float64'})`, async () => {
    const rand = lcg(f32 ? 7 : 11);
    const numFeature = 5;
    for (let trial = 0; trial < 6; trial++) {
      const trees = Array.from({ length: 3 + Math.floor(rand() * 20) }, () => ({ nodes: randomTree(rand, numFeature, 1 + Math.floor(rand() * 6), f32) }));
      const model = await loadModel(buildCheckpoint({ float64: !f32, numFeature, trees }));
      for (const rows of [1, 7, 8, 9, 33, 200]) {
        const data: number[][] = Array.from({ length: rows }, () => Array.from({ length: numFeature }, () => {
          const u = rand();
          return u < 0.1 ? NaN : u < 0.2 ? 0 : Math.round((rand() * 5 - 2.5) * 8) / 8;  // hits thresholds exactly
        }));
        const want = data.map((row) => trees.reduce((acc, t) => {
          const s = acc + evalTree(t.nodes, row);
          return f32 ? Math.fround(s) : s;
        }, 0));
        const X = new Float32Array(data.flat());
        assert.deepEqual(Array.from(model.predictSync(X)), want, `trial ${trial}, ${rows} rows (sync)`);
        assert.deepEqual(Array.from(await model.predict(X)), want, `trial ${trial}, ${rows} rows (pool)`);
      }
    }
  });
}
