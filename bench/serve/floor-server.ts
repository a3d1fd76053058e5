// The floor of this machine: minimal servers that read a POST body and answer a fixed body.
// Usage: node dist/bench/serve/floor-server.js uws|http <response-body-file>
// Prints "PORT <n>" once listening on an ephemeral port.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import uwsDefault from 'uWebSockets.js';

const [kind, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile!);

if (kind === 'uws') {
  const uws = uwsDefault as typeof uwsDefault & { getParts?: unknown };
  if (typeof uws.getParts !== 'function') throw new Error('uWebSockets.js native binary did not load');
  uws.App().any('/*', (res) => {
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    res.onData((_chunk, last) => {
      if (last && !aborted) res.cork(() => { res.writeHeader('Content-Type', 'application/json').end(body); });
    });
  }).listen('127.0.0.1', 0, (socket) => {
    if (!socket) throw new Error('listen failed');
    console.log(`PORT ${uws.us_socket_local_port(socket)}`);
  });
} else if (kind === 'http') {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }); res.end(body); });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${(server.address() as { port: number }).port}`));
} else {
  throw new Error(`unknown floor server kind "${kind}"`);
}
process.on('SIGTERM', () => process.exit(0));
