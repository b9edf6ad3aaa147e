/**
 * What the docs' runnable examples need from the machine, each check saying
 * why an example cannot run here (undefined when it can).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** seccompProblem: the kernel must offer seccomp and the FFI packages must load. */
export function seccompProblem(): string | undefined {
  if (!/^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8'))) return 'the kernel has no seccomp';
  const require = createRequire(import.meta.url);
  for (const name of ['ffi-napi', 'ref-napi']) {
    try {
      require.resolve(name);
    } catch {
      return `${name} is not installed`;
    }
  }
  return undefined;
}

/** nativeTenderProblem: the native tender must be built under `root`. */
export function nativeTenderProblem(root: string): string | undefined {
  return existsSync(join(root, 'native/build/nabla-spt-tender')) ? undefined : 'the native tender is not built (native/build)';
}
