#!/usr/bin/env node
// The `larch` command: the compiled CLI lives in dist/ (built by `npm install`).
import('../dist/lib/cli.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/lib/cli.js')) {
    console.error('larch: dist/ is missing; run `npm install` (or `npm run build`) in the larch folder first.');
  } else {
    console.error(err && err.stack ? err.stack : err);
  }
  process.exit(1);
});
