/** Where the package lives (source tree or dist/ alike), and its version. */
import { existsSync, readFileSync } from 'node:fs';

let root: URL | undefined;
let version: string | undefined;

/** The folder of the nearest package.json above this module: the same from source and from dist/. */
export function packageRoot(): URL {
  if (root) return root;
  for (let url = new URL('.', import.meta.url); url.pathname !== '/'; url = new URL('..', url)) {
    if (existsSync(new URL('package.json', url))) return (root = url);
  }
  throw new Error(`no package.json above ${import.meta.url}`);
}

/** The package's version, read once. */
export function packageVersion(): string {
  if (version !== undefined) return version;
  try {
    return (version = (JSON.parse(readFileSync(new URL('package.json', packageRoot()), 'utf8')) as { version: string }).version);
  } catch {
    return (version = 'unknown');
  }
}
