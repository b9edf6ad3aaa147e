/**
 * Where the package finds what ships with it: the package root, the
 * policies, and the native build (the tender binary and the spawn helper
 * library built at install).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** packageRoot is the directory of this package's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'nabla-seccomp') {
      root = directory;
      return directory;
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the nabla-seccomp package root');
    directory = parent;
  }
}

/** shippedPath resolves a path relative to the package root. */
export function shippedPath(relative: string): string {
  return join(packageRoot(), relative);
}

/** spawnLibrary is the default path of the spawn helper library (`native/spawn`). */
export function spawnLibrary(): string {
  return shippedPath('native/build/libnabla-spawn.so');
}
