// larch's library API.
export { createServer } from './server/create-server.js';
export type { LarchServer, ServerOptions } from './server/create-server.js';
