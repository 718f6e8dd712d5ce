/** The package's version, read once from the nearest package.json above this module (source or dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let url = new URL('.', import.meta.url); url.pathname !== '/'; url = new URL('..', url)) {
    try {
      return (cached = (JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { version: string }).version);
    } catch {
      // not here: look one folder up
    }
  }
  return (cached = 'unknown');
}
