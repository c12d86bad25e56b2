import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { BASE_HEADERS, sendJson } from './http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Serves the web UI's built files from `root` (GET only; no listing; '/' is index.html). */
export async function serveStatic(root: string | undefined, pathname: string, res: ServerResponse, head: boolean): Promise<void> {
  const notFound = (): void => sendJson(res, 404, { error: { code: 'NOT_FOUND', message: root === undefined ? 'no web UI is installed; the API is under /api/v1' : 'not found' } });
  if (root === undefined) return notFound();
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return notFound();
  }
  if (rel.includes('\0') || rel.split('/').some((c) => c === '..')) return notFound();
  if (rel.endsWith('/')) rel += 'index.html';
  const base = resolve(root);
  const file = resolve(join(base, rel));
  if (file !== base && !file.startsWith(base + sep)) return notFound();
  try {
    const st = await stat(file);
    if (!st.isFile()) return notFound();
    const body = await readFile(file);
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': contentSecurityPolicy(file, body),
    });
    res.end(head ? undefined : body);
  } catch {
    notFound();
  }
}

const IMPORT_MAP = /<script type="importmap">([\s\S]*?)<\/script>/g;

/**
 * The UI's policy: scripts from this origin only; an HTML page's inline import map (import
 * maps must be inline) is allowed by its SHA-256 hash, no other inline script runs.
 */
export function contentSecurityPolicy(file: string, body: Buffer): string {
  const hashes: string[] = [];
  if (extname(file).toLowerCase() === '.html') {
    for (const m of body.toString('utf8').matchAll(IMPORT_MAP)) hashes.push(`'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
  }
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ' ' + h).join('')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
