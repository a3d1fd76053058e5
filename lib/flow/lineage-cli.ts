// `larch lineage MODEL[:VERSION]`: from a deployed model version back to the flow run that made
// it, its steps and artifacts, and the training data — re-hashing the data artifacts to prove
// that the data in the datastore is the data the model was trained on.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Run, type RunHandle, type TaskHandle } from './client/index.js';
import type { Lineage } from './deploy/deploy.js';

export const summary = 'trace a deployed model version back to its flow run and training data';

const HELP = `Usage: larch lineage MODEL[:VERSION] [options]

Prints the chain from a deployed model version (its lineage.json) to the flow run that produced
it: the run, its steps and tasks, the artifacts of the deploying task, and the training data,
whose sha256 is recomputed from the datastore and compared with the hash recorded at deploy.

Options:
  --model-repository DIR  the model repository (default: ./model-repository)
  --datastore DIR         the flow datastore (default: the one recorded at deploy, else
                          $LARCH_DATASTORE, else ./.larch)
  --json                  print one JSON object instead of text
  -h, --help              this help

Exit status: 0 when the chain is complete and the data hash matches; 1 otherwise.`;

interface Report {
  model: string;
  version: number;
  versionDir: string;
  lineage: Lineage;
  checkpointVerified: boolean;
  run?: { pathspec: string; status: string; successful: boolean; tags: string[]; params: Record<string, unknown>; createdAt: string };
  steps: Array<{ name: string; tasks: string[] }>;
  task?: { pathspec: string; artifacts: Array<{ name: string; type: string; size: number; hash: string }> };
  data: Array<{ artifact: string; producedBy: string | null; hash: string }>;
  dataHash: string | null;
  dataHashMatches: boolean | null;
  problems: string[];
}

function latestVersion(modelDir: string): number | undefined {
  if (!existsSync(modelDir)) return undefined;
  const versions = readdirSync(modelDir).filter((n) => /^[0-9]+$/.test(n)).map(Number);
  return versions.length ? Math.max(...versions) : undefined;
}

function bytesOf(value: unknown): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(JSON.stringify(value));
}

function trace(spec: string, repository: string, datastore: string | undefined): Report {
  const [model, versionText] = spec.split(':') as [string, string | undefined];
  const modelDir = path.join(repository, model);
  const version = versionText !== undefined ? Number(versionText) : latestVersion(modelDir);
  if (version === undefined || !Number.isInteger(version) || version < 1) {
    throw new Error(versionText !== undefined
      ? `"${versionText}" is not a model version (a positive integer)`
      : `model "${model}" has no versions in ${repository} (is --model-repository right?)`);
  }
  const versionDir = path.join(modelDir, String(version));
  const lineageFile = path.join(versionDir, 'lineage.json');
  if (!existsSync(lineageFile)) {
    throw new Error(`${lineageFile} does not exist: version ${version} of "${model}" was not deployed by larch's deploy(), so it has no lineage`);
  }
  const lineage = JSON.parse(readFileSync(lineageFile, 'utf8')) as Lineage;
  const problems: string[] = [];
  const modelFile = path.join(versionDir, lineage.model_file);
  let checkpointVerified = false;
  if (existsSync(modelFile)) {
    checkpointVerified = createHash('sha256').update(readFileSync(modelFile)).digest('hex') === lineage.model_sha256;
    if (!checkpointVerified) problems.push(`${lineage.model_file} does not match the sha256 recorded at deploy (the file was changed afterwards)`);
  } else {
    problems.push(`${modelFile} is missing`);
  }
  const report: Report = { model, version, versionDir, lineage, checkpointVerified, steps: [], data: [], dataHash: lineage.data_hash, dataHashMatches: null, problems };
  if (!lineage.flow || !lineage.run_id) {
    problems.push('the version was deployed outside a flow: lineage names no run');
    return report;
  }
  const store = datastore ?? lineage.datastore ?? undefined;
  let run: RunHandle;
  try {
    run = Run(`${lineage.flow}/${lineage.run_id}`, store ? { datastore: store } : {});
    report.run = { pathspec: run.pathspec, status: run.status, successful: run.successful, tags: run.tags, params: run.params, createdAt: run.createdAt.toISOString() };
  } catch (err) {
    problems.push(`run ${lineage.flow}/${lineage.run_id} is not in the datastore${store ? ` ${store}` : ''}: ${(err as Error).message}`);
    return report;
  }
  const steps = run.steps;
  report.steps = steps.map((s) => ({ name: s.name, tasks: s.tasks.map((t) => t.id) }));
  let task: TaskHandle | undefined;
  if (lineage.step && lineage.task) {
    task = steps.find((s) => s.name === lineage.step)?.tasks.find((t) => t.id === lineage.task);
    if (!task) problems.push(`task ${lineage.pathspec} is not in run ${run.pathspec}`);
  }
  if (task) {
    report.task = {
      pathspec: task.pathspec,
      artifacts: Object.entries(task.artifacts).map(([name, ref]) => ({ name, type: ref.type, size: ref.size, hash: ref.hash })),
    };
    if (lineage.data_artifacts.length) {
      const h = createHash('sha256');
      for (const name of lineage.data_artifacts) {
        const ref = task.artifacts[name];
        if (!ref) { problems.push(`the deploying task has no artifact "${name}"`); continue; }
        h.update(bytesOf(task.data[name]));
        // The step that first produced this exact artifact (same content hash).
        let producedBy: string | null = null;
        for (const s of steps) {
          const t = s.tasks.find((x) => x.artifacts[name]?.hash === ref.hash);
          if (t) { producedBy = t.pathspec; break; }
        }
        report.data.push({ artifact: name, producedBy, hash: ref.hash });
      }
      const recomputed = h.digest('hex');
      report.dataHashMatches = recomputed === lineage.data_hash;
      if (!report.dataHashMatches) problems.push(`the training data in the datastore hashes to ${recomputed}, not ${lineage.data_hash} as recorded at deploy`);
    }
  }
  return report;
}

function fmtBytes(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function printText(r: Report): void {
  const l = r.lineage;
  const ok = (b: boolean | null) => (b === null ? '' : b ? ' ✓' : ' ✗');
  console.log(`model ${r.model} version ${r.version}   ${r.versionDir}`);
  console.log(`  ${l.model_file} sha256 ${l.model_sha256.slice(0, 16)}…${ok(r.checkpointVerified)}   ${l.task_type}, ${l.num_feature} features, deployed ${l.created_at}`);
  if (Object.keys(l.metrics).length) console.log(`  metrics: ${Object.entries(l.metrics).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (Object.keys(l.parameters).length) console.log(`  parameters: ${Object.entries(l.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  if (r.run) {
    console.log(`run ${r.run.pathspec}   ${r.run.status}, started ${r.run.createdAt}${r.run.tags.length ? `, tags ${r.run.tags.join(',')}` : ''}`);
    if (Object.keys(r.run.params).length) console.log(`  flow parameters: ${Object.entries(r.run.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
    for (const s of r.steps) {
      const here = s.name === l.step ? `   <- deployed from task ${l.task}` : '';
      console.log(`  step ${s.name.padEnd(12)} ${s.tasks.length} task${s.tasks.length === 1 ? ' ' : 's'} (${s.tasks.join(', ')})${here}`);
    }
  }
  if (r.task) {
    console.log(`task ${r.task.pathspec} artifacts:`);
    for (const a of r.task.artifacts) console.log(`  ${a.name.padEnd(14)} ${a.type.padEnd(14)} ${fmtBytes(a.size).padStart(10)}  blob ${a.hash.slice(0, 16)}…`);
  }
  if (r.data.length) {
    console.log(`training data: sha256 ${r.dataHash}${ok(r.dataHashMatches)}`);
    for (const d of r.data) console.log(`  ${d.artifact} produced by ${d.producedBy ?? '(unknown step)'}`);
  }
  for (const p of r.problems) console.log(`problem: ${p}`);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: { 'model-repository': { type: 'string' }, datastore: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    console.error(`larch lineage: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) { console.log(HELP); return 0; }
  if (parsed.positionals.length !== 1) { console.error(`larch lineage: expected one MODEL[:VERSION]\n\n${HELP}`); return 2; }
  const repository = path.resolve(parsed.values['model-repository'] ?? 'model-repository');
  try {
    const report = trace(parsed.positionals[0]!, repository, parsed.values.datastore);
    if (parsed.values.json) console.log(JSON.stringify(report, null, 2));
    else printText(report);
    return report.problems.length === 0 ? 0 : 1;
  } catch (err) {
    console.error(`larch lineage: ${(err as Error).message}`);
    return 1;
  }
}
