import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon } from '../lib/native.js';

test('the native addon loads and reports its ABI version', () => {
  assert.equal(addon.abiVersion, 1);
});
