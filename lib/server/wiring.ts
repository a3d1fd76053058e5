// Where the server meets the other modules: opening the model repository (lib/repository, with
// the backends registered) and rendering Prometheus metrics (lib/metrics).
import type { ModelRepositoryView } from '../repository/types.js';
// Registers the built-in backends (fil, onnxruntime) with the repository's backend registry.
import '../backends/registry.js';

export type ModelControlMode = 'none' | 'poll' | 'explicit';

export interface RepositoryOpenOptions {
  root: string;
  controlMode: ModelControlMode;
  pollSeconds: number;
  loadModels: string[];
  strictModelConfig: boolean;
  log: (message: string) => void;
}

// Module paths are held in variables until those modules land on main, so this file compiles on
// its own; a missing module fails at start-up with the import error.
const repositoryModule = '../repository/repository.js';
const metricsModule = '../metrics/index.js';

export async function openRepository(options: RepositoryOpenOptions): Promise<ModelRepositoryView> {
  const mod = (await import(repositoryModule)) as { ModelRepository: { open(o: RepositoryOpenOptions): Promise<ModelRepositoryView> } };
  return mod.ModelRepository.open(options);
}

export async function renderMetrics(repository: ModelRepositoryView): Promise<string> {
  const mod = (await import(metricsModule)) as { renderMetrics(r: ModelRepositoryView): string };
  return mod.renderMetrics(repository);
}
