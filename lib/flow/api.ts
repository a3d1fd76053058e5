// The programmatic API behind `larch flow run | resume | show`: load a flow file, check its
// graph, run it. Scripts (and `larch quickstart`) call runFlow directly.
import { FlowDefinitionError } from './errors.js';
import { graphFromClass, type FlowGraph } from './graph.js';
import { lintGraph } from './lint.js';
import { importFlow } from './loader/register.js';
import { prepareDirectModule } from './loader/direct.js';
import { resolveParameters } from './parameters.js';
import { LocalStorage } from './datastore/local-storage.js';
import { resolveDatastoreRoot } from './datastore/index.js';
import { listRunIds, readRun } from './datastore/run-store.js';
import { planResume } from './resume.js';
import { defaultMaxWorkers, executeRun, type RunEvent, type RunResult } from './runtime.js';

export interface RunFlowOptions {
  /** Parameter values as strings, as on the command line (`--param k=v`). */
  params?: Record<string, string>;
  /** Parameter values already typed (checked against the parameter's kind). */
  values?: Record<string, unknown>;
  /** Parallel tasks (default: the machine's available parallelism, at least 2). */
  maxWorkers?: number;
  /** Largest fan-out one foreach may produce (default 100, as Metaflow's --max-num-splits). */
  maxNumSplits?: number;
  tags?: string[];
  /** Datastore root (default $LARCH_DATASTORE, else ./.larch). */
  datastore?: string;
  /** Which flow class, when the file exports several. */
  flowName?: string;
  onEvent?: (e: RunEvent) => void;
}

export interface ResumeFlowOptions extends Omit<RunFlowOptions, 'params' | 'values'> {
  /** Run to resume (default: the latest run of the flow). */
  originRunId?: string;
  /** Rerun this step and everything after it (default: the steps the origin run did not finish). */
  fromStep?: string;
}

export const kDefaultMaxNumSplits = 100;

/** Imports the flow file and returns its checked graph. */
export async function loadFlowGraph(file: string, flowName?: string): Promise<FlowGraph> {
  return (await loadFlow(file, flowName)).graph;
}

async function loadFlow(file: string, flowName?: string): Promise<{ graph: FlowGraph; direct: { directModuleUrl?: string } }> {
  const loaded = await importFlow(file, flowName);
  const graph = lintGraph(graphFromClass(loaded.cls, { file: loaded.file, source: loaded.source }));
  const url = process.env.LARCH_FLOW_HOOKS === '1' ? undefined : prepareDirectModule(loaded.file, loaded.source);
  return { graph, direct: url ? { directModuleUrl: url } : {} };
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) throw new FlowDefinitionError(`${name} must be a positive integer, got ${v}`);
  return v;
}

export async function runFlow(file: string, options: RunFlowOptions = {}): Promise<RunResult> {
  const { graph, direct } = await loadFlow(file, options.flowName);
  const params = resolveParameters(graph.params, options.params ?? {}, options.values ?? {});
  const storage = new LocalStorage(resolveDatastoreRoot(options.datastore));
  storage.ensureRoot();
  return executeRun({
    graph, storage, flowFile: graph.file!, ...direct, params, tags: options.tags ?? [],
    maxWorkers: positiveInt('--max-workers', options.maxWorkers, defaultMaxWorkers()),
    maxNumSplits: positiveInt('--max-num-splits', options.maxNumSplits, kDefaultMaxNumSplits),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

export async function resumeFlow(file: string, options: ResumeFlowOptions = {}): Promise<RunResult> {
  const { graph, direct } = await loadFlow(file, options.flowName);
  const storage = new LocalStorage(resolveDatastoreRoot(options.datastore));
  let originRunId = options.originRunId;
  if (originRunId === undefined) {
    const ids = await listRunIds(storage, graph.flow);
    originRunId = ids[ids.length - 1];
    if (originRunId === undefined) throw new FlowDefinitionError(`${graph.flow} has no runs in ${storage.location} to resume`);
  }
  const origin = await readRun(storage, graph.flow, originRunId);
  if (!origin) throw new FlowDefinitionError(`run ${graph.flow}/${originRunId} does not exist in ${storage.location}`);
  const clone = await planResume(graph, storage, originRunId, options.fromStep);
  return executeRun({
    graph, storage, flowFile: graph.file!, ...direct, params: origin.params, tags: options.tags ?? origin.tags, clone,
    maxWorkers: positiveInt('--max-workers', options.maxWorkers, defaultMaxWorkers()),
    maxNumSplits: positiveInt('--max-num-splits', options.maxNumSplits, kDefaultMaxNumSplits),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
