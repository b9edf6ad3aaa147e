/**
 * The benchmark's policies, in report order.
 */
import { dockerPolicy } from './docker.js';
import { firecrackerPolicy } from './firecracker.js';
import { nablaPolicy } from './nabla.js';
import { sptPolicies } from './spt.js';
import type { BenchPolicy } from './types.js';

export type { BenchPolicy, FrontEndSource, KernelArgument, KernelCase } from './types.js';

/** benchPolicies builds every benchmarked policy. */
export function benchPolicies(): BenchPolicy[] {
  return [...sptPolicies(), nablaPolicy(), dockerPolicy(), firecrackerPolicy()];
}
