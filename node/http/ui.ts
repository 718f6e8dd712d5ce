/**
 * The dashboard's files (GET /ui, /ui/app.js, /ui/app.css): plain files in node/http/ui/ of the
 * source tree, served as they are. No build step, so the compiled module in dist/ finds them by
 * from the package's root (the folder that holds package.json) rather than
 * beside itself, where tsc copies nothing.
 */
import { readFile } from 'node:fs/promises';
import { packageRoot } from '../../common/version.js';

export const UI_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'application/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

export type UiFile = keyof typeof UI_FILES;

let folder: URL | undefined;
const cache = new Map<UiFile, string>();

/** node/http/ui/ under the package root, found from this module in the source tree or in dist/. */
export function uiFolder(): URL {
  return (folder ??= new URL('node/http/ui/', packageRoot()));
}

/** The file's text and media type; read once, since the files only change with the package. */
export async function uiFile(name: UiFile): Promise<{ body: string; type: string }> {
  let body = cache.get(name);
  if (body === undefined) cache.set(name, (body = await readFile(new URL(name, uiFolder()), 'utf8')));
  return { body, type: UI_FILES[name] };
}
