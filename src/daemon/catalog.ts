import { ApiError } from './errors.js';

const MAX_TORRENT_BYTES = 16 << 20;

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Fetches a .torrent from a shoal tracker's catalog (GET /torrents/HASH.torrent). NOT_FOUND when it has none. */
export async function fetchFromCatalog(catalog: string, hash: string, signal?: AbortSignal): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(`${base(catalog)}/torrents/${hash}.torrent`, { signal: signal ?? AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new ApiError('INTERNAL', `cannot reach the tracker catalog at ${catalog}: ${(e as Error).message}`, { catalog });
  }
  if (res.status === 404) throw new ApiError('NOT_FOUND', `the tracker catalog has no torrent ${hash}`, { infoHash: hash, catalog });
  if (!res.ok) throw new ApiError('INTERNAL', `tracker catalog answered HTTP ${res.status} for ${hash}`, { infoHash: hash, catalog });
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_TORRENT_BYTES) throw new ApiError('INVALID_ARGUMENT', 'catalog torrent too large', { infoHash: hash });
  return body;
}

/** Registers a .torrent with a shoal tracker's catalog (POST /torrents). Returns the HTTP status. */
export async function registerWithCatalog(catalog: string, torrent: Uint8Array, token?: string): Promise<number> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-bittorrent' };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const res = await fetch(`${base(catalog)}/torrents`, { method: 'POST', body: torrent, headers, signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new ApiError('INTERNAL', `tracker catalog refused the torrent: HTTP ${res.status}`, { status: res.status });
  return res.status;
}
