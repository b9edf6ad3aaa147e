/**
 * Where the launcher finds its shipped policies and native tender; the
 * package root and the spawn helper are found by ../paths.ts.
 */
import { shippedPath } from '../paths.js';

export { packageRoot, shippedPath, spawnLibrary } from '../paths.js';

/** GUEST_POLICY is the shipped guest policy, relative to the package root. */
export const GUEST_POLICY = 'policies/solo5-spt.policy';
/** TENDER_POLICY is the shipped policy of the tender's own start-up. */
export const TENDER_POLICY = 'policies/spt-tender.policy';

/** tenderBinary is the default path of the native tender. */
export function tenderBinary(): string {
  return shippedPath('native/build/nabla-spt-tender');
}
