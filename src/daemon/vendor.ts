import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BASE_HEADERS } from './http.js';

const require = createRequire(import.meta.url);

/**
 * The browser builds of the web UI's libraries, served at fixed routes for the page's
 * import map. Only these files: nothing from the URL reaches the filesystem.
 */
const VENDOR: Record<string, () => string> = {
  '/vendor/preact.mjs': () => join(dirname(require.resolve('preact')), 'preact.module.js'),
  '/vendor/hooks.mjs': () => join(dirname(require.resolve('preact/hooks')), 'hooks.module.js'),
  '/vendor/htm.mjs': () => join(dirname(require.resolve('htm')), 'htm.module.js'),
};

const cache = new Map<string, Promise<Buffer>>();

export function isVendorPath(pathname: string): boolean {
  return Object.hasOwn(VENDOR, pathname);
}

/** Serves one of the fixed vendor modules; false when `pathname` is not one of them. */
export async function serveVendor(pathname: string, res: ServerResponse, head: boolean): Promise<boolean> {
  const locate = Object.hasOwn(VENDOR, pathname) ? VENDOR[pathname] : undefined;
  if (locate === undefined) return false;
  let body = cache.get(pathname);
  if (body === undefined) {
    body = readFile(locate());
    cache.set(pathname, body);
    body.catch(() => cache.delete(pathname));
  }
  const bytes = await body;
  res.writeHead(200, {
    ...BASE_HEADERS,
    'Cache-Control': 'max-age=3600',
    'Content-Type': 'text/javascript; charset=utf-8',
    'Content-Length': bytes.length,
  });
  res.end(head ? undefined : bytes);
  return true;
}
