import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

export const JSON_LIMIT = 1 << 20;
export const TORRENT_LIMIT = 16 << 20;

/** Reads a request body, refusing more than `limit` bytes (INVALID_ARGUMENT). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new ApiError('INVALID_ARGUMENT', `request body larger than ${limit} bytes`, { limit }));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new ApiError('INVALID_ARGUMENT', `request body larger than ${limit} bytes`, { limit }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Parses a JSON object body; an empty body is `{}`. */
export async function readJson(req: IncomingMessage, limit = JSON_LIMIT): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  if (body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'the request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError('INVALID_ARGUMENT', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(v) + '\n';
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendBytes(res: ServerResponse, status: number, type: string, body: Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': body.length, ...headers });
  res.end(body);
}

/** `{ error: { code, message, ...context } }` with the code's status. */
export function sendError(res: ServerResponse, e: ApiError, headers: Record<string, string> = {}): void {
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.context)) if (k !== 'reason' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) context[k] = v;
  sendJson(res, e.status, { error: { code: e.apiCode, message: e.message, ...context } }, headers);
}

export { BASE_HEADERS };
