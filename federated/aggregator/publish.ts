/**
 * Publishing a model version as the inventory agent's weights file
 * (`parley-policy-logistic/1`, services/inventory/policy.ts): written to a
 * temporary file beside the target and renamed over it, so an agent watching
 * `policyPath` never reads half a file and hot-swaps to the new version
 * without a restart.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { policyFileJson } from '../client/model';
import type { ModelRecord } from './store';

/** The policy version string inventory agents report for a model version. */
export function policyVersionName(version: number, prefix = 'inventory-fed'): string {
  return `${prefix}-${version}`;
}

export function writePolicyFile(path: string, versionName: string, weights: ArrayLike<number>): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, policyFileJson(versionName, weights));
  renameSync(tmp, path);
}

/** A `publish` hook for the Coordinator that writes every new version to `path`. */
export function policyFilePublisher(path: string, prefix = 'inventory-fed'): (m: ModelRecord) => void {
  return (m) => writePolicyFile(path, policyVersionName(m.version, prefix), m.weights);
}
