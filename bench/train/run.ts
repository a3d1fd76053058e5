// npm run bench:train — larch's trainer against XGBoost (hist) and scikit-learn's
// RandomForestClassifier on the same synthetic data, with matched settings, in the same run.
//
// The dataset comes from makeClassification (imbalanced, fraud-like, with missing values) and is
// written row-major for bench/train/reference.py, which trains the reference libraries under
// Debian's /usr/bin/python3. Each trainer runs --repeat times, alternating with its peer so
// that load from other processes hits both alike; the report gives median seconds, the
// larch/peer time ratio and test AUCs. Training time includes quantisation for both sides
// (larch's trainGbdt call; XGBoost's DMatrix + train).
//
// Options: --rows N (training rows, default 100000; test rows are a quarter of that)
//          --threads N (default: all cores)  --rounds N (200)  --depth N (6)  --eta X (0.1)
//          --trees N (100)  --rf-depth N (12)  --repeat N (3)  --seed N (1)  --quick
// Results: stdout, and (without --quick) bench/results/train.{md,json} with the machine description.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc, makeClassification, rowMajor, trainForest, trainGbdt, trainTestSplit } from '../../lib/index.js';
import { describeMachine } from '../common/machine.js';
import { writeReferenceDataset } from './dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const quick = process.argv.includes('--quick');
const rows = arg('rows', quick ? 20000 : 100000);
const threads = arg('threads', os.availableParallelism());
const repeat = arg('repeat', quick ? 1 : 3);
const gbdt = { numRounds: arg('rounds', quick ? 50 : 200), maxDepth: arg('depth', 6), learningRate: arg('eta', 0.1), maxBin: 256, nthread: threads };
const forest = { numTrees: arg('trees', quick ? 20 : 100), maxDepth: arg('rf-depth', 12), maxFeatures: 'sqrt' as const, nthread: threads };
const seed = arg('seed', 1);

// XGBoost's OpenMP workers spin between parallel regions by default; where other processes share
// the cores (CI, this project's build machine) that spinning steals time from the workers
// themselves. PASSIVE is XGBoost's better setting there, so it is the default (override with
// OMP_WAIT_POLICY=ACTIVE); the value used is recorded with the results.
const ompWaitPolicy = process.env.OMP_WAIT_POLICY ?? 'PASSIVE';

interface RefResult { library: string; version: string; auc: number; seconds: number; cpu_seconds: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function reference(folder: string, which: string): RefResult {
  const out = execFileSync('/usr/bin/python3', [path.join(repoRoot, 'bench', 'train', 'reference.py'), folder, which], {
    encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, OMP_WAIT_POLICY: ompWaitPolicy },
  });
  return (JSON.parse(out) as Record<string, RefResult>)[which]!;
}

async function main(): Promise<void> {
  const ds = makeClassification({
    rows: Math.round(rows * 1.25), informative: 10, redundant: 6, categorical: 2, noise: 10,
    positiveRate: 0.03, missingRate: 0.05, seed,
  });
  const { train, test } = trainTestSplit(ds, { testSize: 0.2, seed });
  const xTest = rowMajor(test);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'larch-bench-train-'));
  writeReferenceDataset(folder, train, test, { gbdt, forest });
  console.log(`bench:train  ${train.numRows} training rows x ${train.numFeatures} features, ${test.numRows} test rows, ` +
    `${(train.y.reduce((s, v) => s + v, 0) / train.numRows * 100).toFixed(1)}% positives, ${threads} threads, ${repeat} repeats`);

  const times = { larchGbdt: [] as number[], xgb: [] as number[], larchRf: [] as number[], sk: [] as number[] };
  const cpu = { larchGbdt: [] as number[], xgb: [] as number[], larchRf: [] as number[], sk: [] as number[] };
  const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
  let larchGbdtAuc = 0, larchRfAuc = 0;
  let xgbRef: RefResult | undefined, skRef: RefResult | undefined;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const m = await trainGbdt(train, gbdt);
    times.larchGbdt.push((performance.now() - t) / 1000);
    cpu.larchGbdt.push(cpuSeconds(process.cpuUsage(c)));
    larchGbdtAuc = auc(test.y, await m.predict(xTest));
    xgbRef = reference(folder, 'xgboost');
    times.xgb.push(xgbRef.seconds);
    cpu.xgb.push(xgbRef.cpu_seconds);
    console.log(`  gbdt   run ${i + 1}: larch ${times.larchGbdt.at(-1)!.toFixed(2)} s   xgboost ${xgbRef.seconds.toFixed(2)} s`);
  }
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const m = await trainForest(train, forest);
    times.larchRf.push((performance.now() - t) / 1000);
    cpu.larchRf.push(cpuSeconds(process.cpuUsage(c)));
    const p = await m.predict(xTest);
    larchRfAuc = auc(test.y, Float64Array.from({ length: test.numRows }, (_, r) => p[2 * r + 1]!));
    skRef = reference(folder, 'sklearn_rf');
    times.sk.push(skRef.seconds);
    cpu.sk.push(skRef.cpu_seconds);
    console.log(`  forest run ${i + 1}: larch ${times.larchRf.at(-1)!.toFixed(2)} s   scikit-learn ${skRef.seconds.toFixed(2)} s`);
  }
  rmSync(folder, { recursive: true, force: true });

  const g = { larch: median(times.larchGbdt), peer: median(times.xgb), larchCpu: median(cpu.larchGbdt), peerCpu: median(cpu.xgb) };
  const f = { larch: median(times.larchRf), peer: median(times.sk), larchCpu: median(cpu.larchRf), peerCpu: median(cpu.sk) };
  const rowsOut = [
    ['GBDT (binary:logistic)', `XGBoost ${xgbRef!.version} hist`, g.larch, g.peer, larchGbdtAuc, xgbRef!.auc, g.larchCpu, g.peerCpu],
    ['Random forest (gini)', `scikit-learn ${skRef!.version} RandomForestClassifier`, f.larch, f.peer, larchRfAuc, skRef!.auc, f.larchCpu, f.peerCpu],
  ] as const;
  const settings = `GBDT: ${gbdt.numRounds} rounds, max_depth ${gbdt.maxDepth}, eta ${gbdt.learningRate}, max_bin 256; ` +
    `forest: ${forest.numTrees} trees, max_depth ${forest.maxDepth}, max_features sqrt, bootstrap; ${threads} threads each ` +
    `(XGBoost nthread, scikit-learn n_jobs). scikit-learn 1.2 rejects NaN, so it sees missing values as -999.`;
  const table = [
    '| trainer | peer | larch s | peer s | larch/peer time | larch CPU s | peer CPU s | larch/peer CPU | larch AUC | peer AUC | AUC diff |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rowsOut.map(([name, peer, lt, pt, la, pa, lc, pc]) =>
      `| ${name} | ${peer} | ${lt.toFixed(2)} | ${pt.toFixed(2)} | ${(lt / pt).toFixed(3)} | ${lc.toFixed(2)} | ${pc.toFixed(2)} | ${(lc / pc).toFixed(3)} | ${la.toFixed(4)} | ${pa.toFixed(4)} | ${(la - pa >= 0 ? '+' : '')}${(la - pa).toFixed(4)} |`),
  ];
  const machine = describeMachine();
  console.log('\n' + table.join('\n'));
  console.log(`\n${settings}\nTargets: AUC within 0.005 of each peer (or better); GBDT time ratio <= 1.`);

  if (quick) {
    console.log('(--quick: results not written to bench/results)');
    return;
  }
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const md = [
    '# bench:train', '',
    `Machine: ${machine}`, `Date: ${new Date().toISOString()}`,
    `Data: makeClassification (${train.numRows} training rows, ${test.numRows} test rows, ${train.numFeatures} features, 3% positives, 5% missing values), seed ${seed}.`,
    `Settings: ${settings}`,
    `Reference libraries ran with OMP_WAIT_POLICY=${ompWaitPolicy}.`,
    `Times are medians of ${repeat} alternating runs, including quantisation on both sides: wall seconds, and CPU seconds ` +
      '(user + system, all threads of the process), which stay meaningful when other processes share the cores.', '',
    ...table, '',
  ].join('\n');
  writeFileSync(path.join(dir, 'train.md'), md);
  writeFileSync(path.join(dir, 'train.json'), JSON.stringify({
    machine, date: new Date().toISOString(), rows: train.numRows, testRows: test.numRows, features: train.numFeatures,
    threads, repeat, ompWaitPolicy, gbdt, forest, times, cpu,
    results: rowsOut.map(([name, peer, lt, pt, la, pa, lc, pc]) => ({
      name, peer, larchSeconds: lt, peerSeconds: pt, ratio: lt / pt, larchCpuSeconds: lc, peerCpuSeconds: pc, larchAuc: la, peerAuc: pa,
    })),
  }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
