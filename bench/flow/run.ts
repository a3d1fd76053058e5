// `npm run bench:flow`: what the flow runner costs on top of the work it runs.
//
// 1. Overhead per task: a flow of empty linear steps, end to end through runFlow (worker
//    processes, datastore writes), next to the cost of forking a bare `node` process that exits
//    at once, measured in the same run. Target: < 100 ms per empty task.
// 2. Artifact throughput: a 100 MB Float32Array stored through the datastore (envelope + blob
//    name, hashed natively in parallel with the write + atomic write) next to fs.promises.writeFile of the same bytes, and read back (getBlob +
//    decode: a view over the read buffer) next to fs.promises.readFile. Targets: write >= 70% of
//    plain fs throughput; read zero-copy (the typed array shares the read buffer's memory).
//
// Results go to bench/results/flow.md (with the machine description) and stdout.
import { execFileSync, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../common/machine.js';
import {
  blobName, decodeArtifact, encodeArtifact, isZeroCopyView, LocalStorage, sha256Implementation,
} from '../../lib/flow/datastore/index.js';
import { runFlow, type RunEvent } from '../../lib/flow/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const kSteps = 20;
const kRuns = 3;
const kMb = 100;
const kReps = 5;

/** Writes dirty pages back (not timed), so each timed write starts from the same state. */
const flush = () => execFileSync('sync');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const ms = (x: number) => `${x.toFixed(1)} ms`;

function flowSource(n: number): string {
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const chain = ['start', ...names, 'end'];
  const steps = chain.slice(0, -1).map((name, i) => `  @step async ${name}() { this.next(this.${chain[i + 1]}); }`);
  return `import { FlowSpec, step } from 'larch/flow';\nexport default class EmptyFlow extends FlowSpec {\n${steps.join('\n')}\n  @step async end() {}\n}\n`;
}

async function bareFork(): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = fork('-e', [], { execArgv: ['-e', 'process.exit(0)'], stdio: 'ignore' });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  return performance.now() - t;
}

async function overhead(dir: string): Promise<{ perTask: number; gaps: number; bare: number; tasks: number }> {
  const file = path.join(dir, 'empty-flow.ts');
  writeFileSync(file, flowSource(kSteps));
  const datastore = path.join(dir, 'store-overhead');
  await runFlow(file, { datastore });   // warm the transpile cache and the page cache
  const perTask: number[] = [];
  const gaps: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < kRuns; r++) {
    bare.push(await bareFork());
    let last = 0;
    const onEvent = (e: RunEvent) => {
      if (e.type !== 'task-done') return;
      const now = performance.now();
      if (last) gaps.push(now - last);
      last = now;
    };
    const t = performance.now();
    const result = await runFlow(file, { datastore, onEvent });
    if (result.status !== 'succeeded') throw new Error(`benchmark flow failed: ${result.error}`);
    perTask.push((performance.now() - t) / (kSteps + 2));
    bare.push(await bareFork());
  }
  return { perTask: median(perTask), gaps: median(gaps), bare: median(bare), tasks: kSteps + 2 };
}

async function throughput(dir: string) {
  const storage = new LocalStorage(path.join(dir, 'store-throughput'));
  storage.ensureRoot();
  const plainDir = path.join(dir, 'plain');
  mkdirSync(plainDir);
  const n = (kMb * 1024 * 1024) / 4;
  const write: number[] = [];
  const plainWrite: number[] = [];
  const read: number[] = [];
  const plainRead: number[] = [];
  const hashOnly: number[] = [];
  const plainSha: number[] = [];
  let zeroCopy = true;
  for (let rep = 0; rep < kReps; rep++) {
    const data = new Float32Array(n).fill(rep + 0.5);   // new contents each time: no dedup shortcut
    const bytes = new Uint8Array(data.buffer);
    const plainFile = path.join(plainDir, `rep-${rep}.bin`);
    // Fairness: flush dirty pages before each timed write (so neither side inherits the other's
    // writeback throttling) and alternate which side goes first.
    const timePlainWrite = async () => { flush(); const t = performance.now(); await writeFile(plainFile, bytes); plainWrite.push(performance.now() - t); };
    let hash = '';
    const timeLarchWrite = async () => {
      flush();
      const t = performance.now();
      const info = await storage.putBlob(encodeArtifact(data, 'bench').chunks);
      write.push(performance.now() - t);
      hash = info.hash;
    };
    if (rep % 2 === 0) { await timePlainWrite(); await timeLarchWrite(); } else { await timeLarchWrite(); await timePlainWrite(); }
    // The hashing inside a content-addressed write, alone: the blob name of the same bytes (all
    // cores), and for comparison a plain sequential sha256 (node:crypto), the previous naming.
    let th = performance.now();
    blobName([bytes]);
    hashOnly.push(performance.now() - th);
    th = performance.now();
    createHash('sha256').update(bytes).digest('hex');
    plainSha.push(performance.now() - th);
    flush();
    let t = performance.now();
    const plain = await readFile(plainFile);
    plainRead.push(performance.now() - t);
    t = performance.now();
    const blob = await storage.getBlob(hash);
    const back = decodeArtifact(blob, hash) as Float32Array;
    read.push(performance.now() - t);
    if (!isZeroCopyView(back, blob) || back.length !== n || back[n - 1] !== rep + 0.5 || plain.byteLength !== bytes.byteLength) zeroCopy = false;
    await unlink(plainFile);
    await unlink(path.join(storage.location, 'blobs', hash.slice(0, 2), hash));
  }
  const mbps = (t: number) => (kMb / (t / 1000));
  return {
    hash: median(hashOnly), plainSha: median(plainSha), write: median(write), plainWrite: median(plainWrite), read: median(read), plainRead: median(plainRead), zeroCopy,
    writeRatio: median(plainWrite) / median(write), readRatio: median(plainRead) / median(read), mbps,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-bench-flow-'));
  try {
    console.log(`bench:flow on ${describeMachine()}`);
    const o = await overhead(dir);
    const t = await throughput(dir);
    const lines = [
      '# bench:flow results',
      '',
      `Machine: ${describeMachine()}; load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`,
      `Command: \`npm run bench:flow\` (${new Date().toISOString().slice(0, 10)}).`,
      '',
      '## Overhead per task (empty steps)',
      '',
      `A linear flow of ${o.tasks} empty steps, end to end through runFlow (one fresh worker process per task, `,
      `artifact index + DONE written per task), median of ${kRuns} runs; peer: fork of a bare \`node\` that exits at once.`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| wall time per task (run time / tasks) | ${ms(o.perTask)} | < 100 ms |`,
      `| median gap between consecutive task completions | ${ms(o.gaps)} | |`,
      `| bare \`node\` fork + exit (peer, same run) | ${ms(o.bare)} | |`,
      `| per task / bare fork | ${(o.perTask / o.bare).toFixed(2)}x | |`,
      '',
      `## Artifact throughput: ${kMb} MB Float32Array`,
      '',
      `Median of ${kReps} repetitions, each with new contents (no dedup), interleaved with the plain fs peer.`,
      'Write = envelope + temp file written by one native thread while the others compute the blob name (SHA-256 over',
      `1 MiB leaves, ${sha256Implementation()} compression, ${os.availableParallelism()} threads) + rename. Read = readFile of the blob + a`,
      'Float32Array view over it (no copy; Node core has no mmap, so the kernel copies the file into the buffer once).',
      '`sync` runs (untimed) before each timed write, and the two sides alternate who goes first, so neither inherits',
      "the other's dirty-page writeback. Reads come from the page cache for both.",
      '',
      '| path | larch datastore | plain fs | larch / plain throughput | target |',
      '|---|---|---|---|---|',
      `| write | ${ms(t.write)} (${t.mbps(t.write).toFixed(0)} MB/s) | ${ms(t.plainWrite)} (${t.mbps(t.plainWrite).toFixed(0)} MB/s) | ${(t.writeRatio * 100).toFixed(0)}% | >= 70% |`,
      `| blob name of the same bytes alone (native, all cores; no write) | ${ms(t.hash)} (${t.mbps(t.hash).toFixed(0)} MB/s) | | | |`,
      `| plain sha256 alone (node:crypto, one core; the naming before the tree hash) | ${ms(t.plainSha)} (${t.mbps(t.plainSha).toFixed(0)} MB/s) | | ${(t.plainWrite / t.plainSha * 100).toFixed(0)}% (the best write ratio a sequential hash allows) | |`,
      `| read | ${ms(t.read)} (${t.mbps(t.read).toFixed(0)} MB/s) | ${ms(t.plainRead)} (${t.mbps(t.plainRead).toFixed(0)} MB/s) | ${(t.readRatio * 100).toFixed(0)}% | zero-copy |`,
      '',
      `Read is zero-copy (the returned Float32Array's buffer is the blob buffer): **${t.zeroCopy ? 'yes' : 'NO'}**.`,
      '',
    ];
    const report = lines.join('\n');
    console.log(report);
    const out = path.join(repoRoot, 'bench', 'results', 'flow.md');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, report);
    console.log(`written to ${path.relative(process.cwd(), out)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
