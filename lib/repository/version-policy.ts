// Which versions of a model to serve under its version_policy (Triton's semantics): latest N
// (the N highest), all, or a specific list (versions listed but absent are reported missing).
import type { ModelVersionPolicy } from './model-config.js';

export interface VersionSelection {
  selected: string[];
  /** Versions a `specific` policy names that have no folder. */
  missing: string[];
}

/** `available` are version folder names; the result is sorted ascending. */
export function selectVersions(policy: ModelVersionPolicy | undefined, available: string[]): VersionSelection {
  const sorted = [...new Set(available)].sort((a, b) => Number(a) - Number(b));
  if (policy?.all) return { selected: sorted, missing: [] };
  if (policy?.specific) {
    const wanted = [...new Set(policy.specific.versions.map(String))].sort((a, b) => Number(a) - Number(b));
    return {
      selected: wanted.filter((v) => sorted.includes(v)),
      missing: wanted.filter((v) => !sorted.includes(v)),
    };
  }
  const n = policy?.latest?.num_versions ?? 1;
  return { selected: sorted.slice(Math.max(0, sorted.length - n)), missing: [] };
}
