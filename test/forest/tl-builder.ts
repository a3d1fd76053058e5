// Builds Treelite 4 checkpoints from a small JS description, for tests of exact evaluator
// semantics. Written from the layout in test/fixtures/README.md, independently of the native
// writer, so tests can also check the native reader against it.

export type Op = '==' | '<' | '<=' | '>' | '>=';
const OPS: Record<Op, number> = { '==': 1, '<': 2, '<=': 3, '>': 4, '>=': 5 };

export type TestNode =
  | { leaf: number | number[]; linear?: { const: number; terms: [feature: number, coeff: number][] } }
  | {
      feature: number; op: Op; threshold: number; left: number; right: number; defaultLeft?: boolean;
      missing?: 'nan' | 'zero' | 'none';
    }
  | { feature: number; categories: number[]; categoriesRight: boolean; left: number; right: number; defaultLeft?: boolean };

export interface TestForest {
  float64?: boolean;
  task?: 'binary' | 'regression' | 'multiclass' | 'ranking' | 'isolation';
  numFeature: number;
  numTarget?: number;
  numClass?: number[];
  leafVectorShape?: [number, number];
  averageTreeOutput?: boolean;
  postprocessor?: string;
  sigmoidAlpha?: number;
  ratioC?: number;
  baseScores?: number[];
  defaultOutputIsClass?: boolean;
  marginBeforeAveraging?: boolean;
  trees: { nodes: TestNode[]; targetId?: number; classId?: number }[];
}

const TASKS = { binary: 0, regression: 1, multiclass: 2, ranking: 3, isolation: 4 };

class Writer {
  parts: Buffer[] = [];
  i32(v: number) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.parts.push(b); }
  u8(v: number) { this.parts.push(Buffer.from([v])); }
  u64(v: number) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.parts.push(b); }
  f32(v: number) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.parts.push(b); }
  str(s: string) { this.u64(Buffer.byteLength(s)); this.parts.push(Buffer.from(s)); }
  arr(kind: 'i8' | 'u8' | 'i32' | 'u32' | 'u64' | 'f32' | 'f64', v: number[]) {
    this.u64(v.length);
    this.raw(kind, v);
  }
  raw(kind: 'i8' | 'u8' | 'i32' | 'u32' | 'u64' | 'f32' | 'f64', v: number[]) {
    const size = { i8: 1, u8: 1, i32: 4, u32: 4, u64: 8, f32: 4, f64: 8 }[kind];
    const b = Buffer.alloc(size * v.length);
    v.forEach((x, i) => {
      const o = i * size;
      if (kind === 'i8') b.writeInt8(x, o);
      else if (kind === 'u8') b.writeUInt8(x, o);
      else if (kind === 'i32') b.writeInt32LE(x, o);
      else if (kind === 'u32') b.writeUInt32LE(x, o);
      else if (kind === 'u64') b.writeBigUInt64LE(BigInt(x), o);
      else if (kind === 'f32') b.writeFloatLE(x, o);
      else b.writeDoubleLE(x, o);
    });
    this.parts.push(b);
  }
  opt(name: string, kind: 'u8' | 'i32' | 'u64' | 'f64', v: number[]) {
    this.str(name);
    this.u64({ u8: 1, i32: 4, u64: 8, f64: 8 }[kind]);
    this.u64(v.length);
    this.raw(kind, v);
  }
}

export function buildCheckpoint(f: TestForest): Uint8Array {
  const w = new Writer();
  const vt = f.float64 ? 'f64' : 'f32';
  const numTarget = f.numTarget ?? 1;
  const numClass = f.numClass ?? [1];
  const maxClass = Math.max(...numClass);
  w.i32(4); w.i32(2); w.i32(0);
  w.u8(f.float64 ? 3 : 2); w.u8(f.float64 ? 3 : 2);
  w.u64(f.trees.length);
  w.i32(f.numFeature);
  w.u8(TASKS[f.task ?? 'regression']);
  w.u8(f.averageTreeOutput ? 1 : 0);
  w.i32(numTarget);
  w.arr('i32', numClass);
  w.arr('i32', f.leafVectorShape ?? [1, 1]);
  w.arr('i32', f.trees.map((t) => t.targetId ?? 0));
  w.arr('i32', f.trees.map((t) => t.classId ?? 0));
  w.str(f.postprocessor ?? 'identity');
  w.f32(f.sigmoidAlpha ?? 1);
  w.f32(f.ratioC ?? 1);
  w.arr('f64', f.baseScores ?? new Array(numTarget * maxClass).fill(0));
  w.str('{}');
  const modelOpts: [string, number][] = [];
  if (f.defaultOutputIsClass) modelOpts.push(['larch.default_output_is_class', 1]);
  if (f.marginBeforeAveraging) modelOpts.push(['larch.margin_before_averaging', 1]);
  w.i32(modelOpts.length);
  for (const [name, v] of modelOpts) w.opt(name, 'u8', [v]);
  for (const tree of f.trees) writeTree(w, tree.nodes, vt);
  return new Uint8Array(Buffer.concat(w.parts));
}

function writeTree(w: Writer, nodes: TestNode[], vt: 'f32' | 'f64') {
  const n = nodes.length;
  const leafVec: number[] = [], lvBegin: number[] = [], lvEnd: number[] = [];
  const cats: number[] = [], cBegin: number[] = [], cEnd: number[] = [];
  const linConst: number[] = [], linBegin: number[] = [], linEnd: number[] = [];
  const linCoeff: number[] = [], linFeature: number[] = [];
  const hasLinear = nodes.some((nd) => 'leaf' in nd && nd.linear);
  const missing = nodes.map((nd) => ('missing' in nd ? { nan: 0, zero: 1, none: 2 }[nd.missing ?? 'nan'] : 0));
  for (const nd of nodes) {
    lvBegin.push(leafVec.length);
    if ('leaf' in nd && Array.isArray(nd.leaf)) leafVec.push(...nd.leaf);
    lvEnd.push(leafVec.length);
    cBegin.push(cats.length);
    if ('categories' in nd) cats.push(...nd.categories);
    cEnd.push(cats.length);
    linBegin.push(linCoeff.length);
    if ('leaf' in nd && nd.linear) {
      linConst.push(nd.linear.const);
      for (const [feat, c] of nd.linear.terms) { linFeature.push(feat); linCoeff.push(c); }
    } else {
      linConst.push(0);
    }
    linEnd.push(linCoeff.length);
  }
  w.i32(n);
  w.u8(nodes.some((nd) => 'categories' in nd) ? 1 : 0);
  w.arr('i8', nodes.map((nd) => ('leaf' in nd ? 0 : 'categories' in nd ? 2 : 1)));
  w.arr('i32', nodes.map((nd) => ('leaf' in nd ? -1 : nd.left)));
  w.arr('i32', nodes.map((nd) => ('leaf' in nd ? -1 : nd.right)));
  w.arr('i32', nodes.map((nd) => ('leaf' in nd ? -1 : nd.feature)));
  w.arr('u8', nodes.map((nd) => ('leaf' in nd ? 0 : nd.defaultLeft ? 1 : 0)));
  w.arr(vt, nodes.map((nd) => ('leaf' in nd && !Array.isArray(nd.leaf) ? nd.leaf : 0)));
  w.arr(vt, nodes.map((nd) => ('threshold' in nd ? nd.threshold : 0)));
  w.arr('i8', nodes.map((nd) => ('op' in nd ? OPS[nd.op] : 0)));
  w.arr('u8', nodes.map((nd) => ('categories' in nd && nd.categoriesRight ? 1 : 0)));
  w.arr(vt, leafVec);
  w.arr('u64', lvBegin); w.arr('u64', lvEnd);
  w.arr('u32', cats);
  w.arr('u64', cBegin); w.arr('u64', cEnd);
  for (let i = 0; i < 3; i++) { w.arr('u64', []); w.arr('u8', []); }  // no node statistics
  if (hasLinear) {
    w.i32(2);
    w.opt('larch.linear_coeff', 'f64', linCoeff);
    w.opt('larch.linear_feature', 'i32', linFeature);
  } else {
    w.i32(0);
  }
  const nodeOpts = (missing.some((m) => m !== 0) ? 1 : 0) + (hasLinear ? 3 : 0);
  w.i32(nodeOpts);
  if (missing.some((m) => m !== 0)) w.opt('larch.missing_type', 'u8', missing);
  if (hasLinear) {
    w.opt('larch.linear_const', 'f64', linConst);
    w.opt('larch.linear_begin', 'u64', linBegin);
    w.opt('larch.linear_end', 'u64', linEnd);
  }
}
