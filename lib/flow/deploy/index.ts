export { deploy } from './deploy.js';
export type { DeployOptions, DeployResult, DeployableModel, Lineage } from './deploy.js';
export { LocalRepositoryWriter } from './repository-writer.js';
export type { RepositoryWriter } from './repository-writer.js';
export { filConfigText } from './fil-config.js';
