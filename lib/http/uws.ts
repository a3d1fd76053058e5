// Loads uWebSockets.js and makes sure its native binary is what loaded. On a Node version it has
// no binary for, the package silently falls back to a slow pure-JS server (src/fallback/); larch
// refuses that unless LARCH_ALLOW_UWS_FALLBACK=1, and then warns loudly.
import uwsDefault from 'uWebSockets.js';

export type * from 'uWebSockets.js';

// The typings omit getParts, the marker of the native build.
const uws = uwsDefault as typeof uwsDefault & { getParts?: unknown };

export function nativeUwsLoaded(): boolean {
  return typeof uws.getParts === 'function';
}

let checked = false;

/** The uWS module, after checking (once) that the native binary loaded. */
export function loadUws(): typeof uwsDefault {
  if (!checked) {
    if (!nativeUwsLoaded()) {
      const msg = `uWebSockets.js native binary did not load for Node ${process.versions.node} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}); ` +
        'its JS fallback is far slower. Use Node 18 or 20 on linux/darwin x64/arm64';
      if (process.env.LARCH_ALLOW_UWS_FALLBACK !== '1') throw new Error(`${msg}, or set LARCH_ALLOW_UWS_FALLBACK=1 to run anyway.`);
      process.emitWarning(`WARNING: ${msg}. Running on the fallback because LARCH_ALLOW_UWS_FALLBACK=1.`);
    }
    checked = true;
  }
  return uws;
}
