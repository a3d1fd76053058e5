// Where the server meets the other modules: the backends (each registers itself with the
// repository when imported), the model repository, and the Prometheus metrics renderer.
import '../backends/index.js';
import { MetricsReporter } from '../metrics/index.js';
import { ModelRepository, type ModelControlMode, type RepositoryOptions } from '../repository/index.js';
import type { ModelRepositoryView } from '../repository/types.js';

export type { ModelControlMode };

export function openRepository(options: RepositoryOptions): Promise<ModelRepositoryView> {
  return ModelRepository.open(options);
}

/** The body of GET /metrics over `repository`'s statistics. */
export function metricsRenderer(repository: ModelRepositoryView): () => string {
  const reporter = new MetricsReporter(repository);
  return () => reporter.render();
}
