// The server's log and Triton's logging extension: line formats, severities, the verbose level,
// the log file, and the settings read and changed over HTTP (/v2/logging) and gRPC (LogSettings).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LarchServer } from '../../lib/index.js';
import { DEFAULT_LOG_SETTINGS, ServerLog } from '../../lib/server/logger.js';
import { filCases, tempRepository } from './fixture-repo.js';
import type { InferenceClient } from './grpc-client.js';
import { startServing, stopServing } from './e2e-server.js';

describe('ServerLog', () => {
  it('writes Triton-style lines, by severity and verbose level', () => {
    const lines: string[] = [];
    const log = new ServerLog({}, (l) => lines.push(l));
    log.log('info', 'repository', 'loaded');
    log.log('warning', 'http', 'careful');
    log.log('error', 'grpc', 'broken');
    log.verbose(1, 'http', 'not shown at level 0');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, new RegExp(`^I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} ${process.pid} repository\\] loaded$`));
    assert.match(lines[1]!, /^W\d{4} .* http\] careful$/);
    assert.match(lines[2]!, /^E\d{4} .* grpc\] broken$/);
    log.update({ log_verbose_level: 2, log_info: false, log_format: 'ISO8601' });
    log.log('info', 'repository', 'hidden');
    log.verbose(2, 'http', 'shown');
    log.verbose(3, 'http', 'too verbose');
    assert.equal(lines.length, 4);
    assert.match(lines[3]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ I ${process.pid} http\\] shown$`));
  });

  it('checks every setting, and takes a log file only at start', () => {
    const log = new ServerLog({}, () => {});
    assert.deepEqual(log.settings(), DEFAULT_LOG_SETTINGS);
    assert.throws(() => log.update({ log_info: 'yes' }), /"log_info" must be a boolean/);
    assert.throws(() => log.update({ log_verbose_level: -1 }), /"log_verbose_level" must be an integer >= 0/);
    assert.throws(() => log.update({ log_format: 'json' }), /"default" or "ISO8601"/);
    assert.throws(() => log.update({ log_colour: true }), /unknown log setting "log_colour"/);
    assert.throws(() => log.update({ log_file: '/tmp/x.log' }), /cannot be changed while the server runs/);
    assert.deepEqual(log.settings(), DEFAULT_LOG_SETTINGS, 'a refused update changes nothing');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-log-'));
    const file = path.join(dir, 'server.log');
    const toFile = new ServerLog({ log_file: file }, () => assert.fail('lines go to the file'));
    toFile.log('error', 'repository', 'into the file');
    toFile.close();
    assert.match(readFileSync(file, 'utf8'), /^E\d{4} .* repository\] into the file\n$/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the logging extension', () => {
  let root = '';
  let server: LarchServer;
  let base = '';
  let grpc: InferenceClient;
  const lines: string[] = [];
  before(async () => {
    root = tempRepository();
    filCases(root, ['xgb_reg_squarederror.value']);
    ({ server, base, grpc } = await startServing(root, { log: (l) => lines.push(l), modelControlMode: 'explicit', loadModels: ['*'] }));
  });
  after(() => stopServing({ server, grpc }, root));

  it('logs the model loads at INFO', () => {
    assert.ok(lines.some((l) => /^I\d{4} .* repository\] successfully loaded model "xgb_reg_squarederror" version\(s\) 1 \(\d+\.\d{3} s\)$/.test(l)), lines.join('\n'));
  });

  it('GET and POST /v2/logging read and change the settings; bad settings are 400', async () => {
    const get = await fetch(`${base}/v2/logging`);
    assert.deepEqual(await get.json(), DEFAULT_LOG_SETTINGS);
    const post = await fetch(`${base}/v2/logging`, { method: 'POST', body: JSON.stringify({ log_verbose_level: 1 }) });
    assert.equal(post.status, 200);
    assert.equal(((await post.json()) as { log_verbose_level: number }).log_verbose_level, 1);
    // Verbose level 1 now logs load requests.
    await fetch(`${base}/v2/repository/models/xgb_reg_squarederror/load`, { method: 'POST' });
    assert.ok(lines.some((l) => /http\] load request for model "xgb_reg_squarederror"$/.test(l)), lines.join('\n'));
    const bad = await fetch(`${base}/v2/logging`, { method: 'POST', body: JSON.stringify({ log_error: 1 }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /"log_error" must be a boolean/);
    const meta = (await (await fetch(`${base}/v2`)).json()) as { extensions: string[] };
    assert.ok(meta.extensions.includes('logging'));
  });

  it('the LogSettings RPC reads and changes them too', async () => {
    const res = await grpc.call('LogSettings', { settings: { log_format: { string_param: 'ISO8601' }, log_info: { bool_param: false } } });
    assert.equal(res.settings.log_format.string_param, 'ISO8601');
    assert.equal(res.settings.log_info.bool_param, false);
    assert.equal(res.settings.log_verbose_level.uint32_param, 1);  // set over HTTP above: one set of settings
    await assert.rejects(grpc.call('LogSettings', { settings: { log_verbose_level: { string_param: 'high' } } }), /INVALID_ARGUMENT: .*log_verbose_level/);
  });
});
