// `larch flow <command>`: run, resume, show, runs, logs, artifacts. Exit codes: 0 success,
// 1 the run (or lookup) failed, 2 bad usage.
import { parseArgs } from 'node:util';
import { LarchError } from '../protocol/errors.js';
import { loadFlowGraph, resumeFlow, runFlow } from './api.js';
import { Flow, listFlows, Run, Step, Task, type TaskHandle } from './client/index.js';
import { describeGraph } from './graph.js';
import { createProgress } from './progress.js';
import type { RunResult } from './runtime.js';

export const summary = 'run Metaflow-style flows: run, resume, show, runs, logs, artifacts';

const kCommon = {
  datastore: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
const kRunOptions = {
  ...kCommon,
  'max-workers': { type: 'string' },
  'max-num-splits': { type: 'string' },
  tag: { type: 'string', multiple: true },
  flow: { type: 'string' },
  plain: { type: 'boolean' },
} as const;

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  run(positionals: string[], values: Record<string, unknown>): Promise<number>;
}

const datastoreOpt = '  --datastore DIR       datastore root (default $LARCH_DATASTORE, else ./.larch)';
const runOpts = [
  '  --max-workers N       tasks run in parallel (default: CPU count, at least 2)',
  '  --max-num-splits N    largest fan-out of one foreach (default 100)',
  '  --tag T               tag the run (repeatable)',
  '  --flow NAME           the flow class, when the file exports several',
  '  --plain               plain progress lines even on a terminal',
  datastoreOpt,
];

const commands: Record<string, Command> = {
  run: {
    usage: ['larch flow run FILE [--param k=v]... [options]', '', 'Runs the flow in FILE (.ts or .js; no build step).', '',
      '  --param K=V           set a parameter (repeatable)', ...runOpts].join('\n'),
    options: { ...kRunOptions, param: { type: 'string', multiple: true } },
    async run(pos, v) {
      const file = onePositional(pos, 'FILE');
      const params: Record<string, string> = {};
      for (const p of (v.param as string[] | undefined) ?? []) {
        const eq = p.indexOf('=');
        if (eq <= 0) throw usageError(`--param ${p}: expected NAME=VALUE`);
        params[p.slice(0, eq)] = p.slice(eq + 1);
      }
      const progress = createProgress(process.stdout, v.plain ? false : undefined);
      let result: RunResult;
      try {
        result = await runFlow(file, { params, ...runOptions(v), onEvent: (e) => progress.onEvent(e) });
      } finally { progress.stop(); }
      return report(result);
    },
  },
  resume: {
    usage: ['larch flow resume FILE [--origin-run ID] [--from STEP] [options]', '',
      'Starts a new run that clones the finished tasks of the origin run and reruns the rest.', '',
      '  --origin-run ID       run to resume (default: the latest run of the flow)',
      '  --from STEP           rerun STEP and every step after it (default: the steps that did not finish)',
      ...runOpts].join('\n'),
    options: { ...kRunOptions, 'origin-run': { type: 'string' }, from: { type: 'string' } },
    async run(pos, v) {
      const file = onePositional(pos, 'FILE');
      const progress = createProgress(process.stdout, v.plain ? false : undefined);
      let result: RunResult;
      try {
        result = await resumeFlow(file, {
          ...runOptions(v), onEvent: (e) => progress.onEvent(e),
          ...(v['origin-run'] ? { originRunId: v['origin-run'] as string } : {}),
          ...(v.from ? { fromStep: v.from as string } : {}),
        });
      } finally { progress.stop(); }
      if (result.cloned) console.log(`cloned ${result.cloned} task(s) from the origin run`);
      return report(result);
    },
  },
  show: {
    usage: 'larch flow show FILE [--flow NAME] [--json]\n\nPrints the checked graph of the flow: steps, transitions, decorators, parameters.',
    options: { help: kCommon.help, flow: { type: 'string' }, json: { type: 'boolean' } },
    async run(pos, v) {
      const graph = await loadFlowGraph(onePositional(pos, 'FILE'), v.flow as string | undefined);
      const steps = describeGraph(graph);
      const params = Object.fromEntries(Object.entries(graph.params).map(([k, p]) => [k, { kind: p.kind, default: p.defaultValue, help: p.help }]));
      if (v.json) { console.log(JSON.stringify({ flow: graph.flow, params, steps }, null, 2)); return 0; }
      console.log(`${graph.flow} (${graph.file})`);
      for (const [k, p] of Object.entries(params)) console.log(`  param ${k}: ${p.kind} = ${JSON.stringify(p.default)}${p.help ? `  ${p.help}` : ''}`);
      for (const s of steps) {
        const arrow = s.type === 'end' ? '' : ` -> ${(s.next as string[]).join(', ')}`;
        const extras = [s.foreach ? `foreach ${s.foreach}` : '', s.closes ? `joins ${s.closes}` : '',
          s.decorators ? `@${(s.decorators as string[]).join(' @')}` : ''].filter(Boolean).join('; ');
        console.log(`  ${String(s.name)} [${String(s.type)}]${arrow}${extras ? `   (${extras})` : ''}`);
      }
      return 0;
    },
  },
  runs: {
    usage: `larch flow runs [FLOW] [--datastore DIR]\n\nLists the runs of FLOW (newest first), or every flow with runs.\n\n${datastoreOpt}`,
    options: { ...kCommon },
    async run(pos, v) {
      const opts = clientOptions(v);
      if (pos.length === 0) {
        const flows = listFlows(opts);
        if (!flows.length) console.log('no runs yet');
        for (const f of flows) {
          const latest = Flow(f, opts).latestRun;
          console.log(`${f}  ${Flow(f, opts).runs.length} run(s)${latest ? `, latest ${latest.pathspec} ${latest.status}` : ''}`);
        }
        return 0;
      }
      const runs = Flow(onePositional(pos, 'FLOW'), opts).runs;
      if (!runs.length) { console.log(`no runs of ${pos[0]}`); return 0; }
      for (const r of runs) {
        const m = r.meta;
        const tags = m.tags.length ? `  tags: ${m.tags.join(',')}` : '';
        const origin = m.originRunId ? `  resumed from ${m.originRunId}` : '';
        console.log(`${r.pathspec.padEnd(20)} ${r.status.padEnd(9)} ${m.startedAt}${tags}${origin}`);
      }
      return 0;
    },
  },
  logs: {
    usage: `larch flow logs FLOW/RUN/STEP[/TASK] [--stdout | --stderr]\n\nPrints the captured output of the task(s) (last attempt).\n\n  --stdout              only stdout\n  --stderr              only stderr\n${datastoreOpt}`,
    options: { ...kCommon, stdout: { type: 'boolean' }, stderr: { type: 'boolean' } },
    async run(pos, v) {
      const tasks = tasksOf(onePositional(pos, 'FLOW/RUN/STEP[/TASK]'), v);
      const both = !v.stdout && !v.stderr;
      for (const t of tasks) {
        if (tasks.length > 1) console.log(`== ${t.pathspec} ==`);
        if (both || v.stdout) process.stdout.write(t.stdout);
        if (both || v.stderr) process.stdout.write(t.stderr);
      }
      return 0;
    },
  },
  artifacts: {
    usage: `larch flow artifacts FLOW/RUN/STEP[/TASK] [--json]\n\nLists each task's artifacts: name, type, size, hash, and the value when small.\n\n  --json                machine-readable output\n${datastoreOpt}`,
    options: { ...kCommon, json: { type: 'boolean' } },
    async run(pos, v) {
      const tasks = tasksOf(onePositional(pos, 'FLOW/RUN/STEP[/TASK]'), v);
      const out = tasks.map((t) => ({ task: t.pathspec, finished: t.finished, artifacts: t.finished ? t.artifacts : {} }));
      if (v.json) { console.log(JSON.stringify(out, null, 2)); return 0; }
      for (const t of tasks) {
        console.log(`${t.pathspec}${t.finished ? '' : '  (not finished)'}`);
        if (!t.finished) continue;
        for (const [name, ref] of Object.entries(t.artifacts)) {
          const preview = ref.encoding === 'json' && ref.size < 512 ? `  = ${preview_(t.data[name])}` : '';
          console.log(`  ${name.padEnd(16)} ${ref.type.padEnd(14)} ${String(ref.size).padStart(10)} B  ${ref.hash.slice(0, 12)}${preview}`);
        }
      }
      return 0;
    },
  },
};

function preview_(v: unknown): string {
  const s = (() => { try { return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? [...x] : x)); } catch { return String(v); } })() ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function clientOptions(v: Record<string, unknown>): { datastore?: string } {
  return v.datastore ? { datastore: v.datastore as string } : {};
}

function tasksOf(spec: string, v: Record<string, unknown>): TaskHandle[] {
  const parts = spec.split('/');
  if (parts.length === 4) return [Task(spec, clientOptions(v))];
  if (parts.length === 3) return Step(spec, clientOptions(v)).tasks;
  if (parts.length === 2) { Run(spec, clientOptions(v)); throw usageError(`${spec} is a run; name a step: ${spec}/STEP`); }
  throw usageError(`"${spec}" is not FLOW/RUN/STEP or FLOW/RUN/STEP/TASK`);
}

function runOptions(v: Record<string, unknown>) {
  const int = (name: string) => {
    const raw = v[name] as string | undefined;
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw usageError(`--${name} ${raw}: expected a positive integer`);
    return Number(raw);
  };
  const o: { maxWorkers?: number; maxNumSplits?: number; tags?: string[]; datastore?: string; flowName?: string } = {};
  const mw = int('max-workers'); if (mw !== undefined) o.maxWorkers = mw;
  const ms = int('max-num-splits'); if (ms !== undefined) o.maxNumSplits = ms;
  if (v.tag) o.tags = v.tag as string[];
  if (v.datastore) o.datastore = v.datastore as string;
  if (v.flow) o.flowName = v.flow as string;
  return o;
}

function report(r: RunResult): number {
  if (r.status === 'succeeded') {
    console.log(`run ${r.pathspec} succeeded`);
    return 0;
  }
  console.error(`run ${r.pathspec} failed:\n${r.error ?? ''}`);
  const failed = /^(\w+)\/(\d+):/m.exec(r.error ?? '');
  if (failed) console.error(`see the task's output: larch flow logs ${r.pathspec}/${failed[1]}/${failed[2]}`);
  return 1;
}

class UsageError extends Error {}
const usageError = (m: string) => new UsageError(m);

function onePositional(pos: string[], name: string): string {
  if (pos.length !== 1) throw usageError(pos.length ? `unexpected arguments: ${pos.slice(1).join(' ')}` : `missing ${name}`);
  return pos[0]!;
}

function topUsage(): string {
  return ['Usage: larch flow <command> [options]', '', 'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.usage.split('\n')[0]!.replace(/^larch flow /, '')}`),
    '', 'Run `larch flow <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { console.log(topUsage()); return name ? 0 : 2; }
  const cmd = commands[name];
  if (!cmd) { console.error(`larch flow: unknown command "${name}"\n\n${topUsage()}`); return 2; }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    console.error(`larch flow ${name}: ${(err as Error).message}\n\n${cmd.usage}`);
    return 2;
  }
  if (parsed.values.help) { console.log(cmd.usage); return 0; }
  try {
    return await cmd.run(parsed.positionals, parsed.values);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`larch flow ${name}: ${err.message}\n\n${cmd.usage}`); return 2; }
    if (LarchError.is(err)) { console.error(`larch flow ${name}: ${err.message}`); return 1; }
    throw err;
  }
}
