// The CLI's progress display: a live table on a terminal, plain lines otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress } from '../../lib/flow/progress.js';
import type { RunEvent } from '../../lib/flow/index.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const events: RunEvent[] = [
  { type: 'run-start', flow: 'F', runId: '7', steps: ['start', 'work', 'end'] },
  { type: 'task-start', step: 'start', taskId: '1', attempt: 0 },
  { type: 'task-done', step: 'start', taskId: '1', status: 'ok' },
  { type: 'task-start', step: 'work', taskId: '2', attempt: 0 },
  { type: 'task-start', step: 'work', taskId: '3', attempt: 0 },
  { type: 'task-retry', step: 'work', taskId: '3', attempt: 1, error: 'Error: flaky' },
  { type: 'task-done', step: 'work', taskId: '2', status: 'ok' },
  { type: 'task-failed', step: 'work', taskId: '3', error: 'Error: flaky' },
  { type: 'run-done', runId: '7', status: 'failed', error: 'work/3: Error: flaky' },
];

describe('progress display', () => {
  it('redraws a table of steps with done / running / failed counts on a terminal', () => {
    const out = fakeStream(true);
    const p = createProgress(out);
    for (const e of events) p.onEvent(e);
    p.stop();
    assert.match(out.text, /\x1b\[\d+A/, 'moves the cursor up to redraw');
    assert.match(out.text, /F\/7 {2}elapsed \d+\.\ds/);
    const last = out.text.slice(out.text.lastIndexOf('F/7'));
    assert.match(last, /start\s+done\s+1\s+running\s+0\s+failed\s+0/);
    assert.match(last, /work\s+done\s+1\s+running\s+0\s+failed\s+1/);
    assert.match(out.text, /retrying work\/3: Error: flaky/);
    assert.match(out.text, /FAILED work\/3: Error: flaky/);
  });

  it('prints one plain line per event otherwise', () => {
    const out = fakeStream(false);
    const p = createProgress(out);
    for (const e of events) p.onEvent(e);
    p.stop();
    assert.doesNotMatch(out.text, /\x1b/);
    const lines = out.text.trim().split('\n');
    assert.equal(lines.length, events.length);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d run F\/7 started$/);
    assert.match(lines[5]!, /F\/7\/work\/3 failed, retrying: Error: flaky/);
    assert.match(lines[8]!, /run F\/7 failed/);
  });
});
