// The daemon's JSON API as the page uses it (docs/api.md). Same origin; the token, when the
// daemon asks for one, is kept in sessionStorage and sent as a bearer token.

export interface Summary {
  id: number;
  infoHash: string;
  name: string;
  /** 'metadata': a magnet / info-hash add still fetching its metadata from peers. */
  state: 'metadata' | 'checking' | 'downloading' | 'seeding' | 'stopped' | 'paused' | 'error';
  /** null until the metadata is in. */
  size: number | null;
  progress: number;
  downloadRate: number;
  uploadRate: number;
  downloaded: number;
  uploaded: number;
  peers: number;
  seeds: number;
  eta: number | null;
  error: string | null;
  downloadDir: string;
  addedAt: number;
  doneAt: number | null;
  /** Replication in the swarm the daemon sees. */
  health?: HealthView;
  /** While the metadata is not in: peers asked and metadata pieces received. */
  metadata?: { known: number; connected: number; offering: number; size: number | null; piecesHave: number; pieceCount: number } | null;
}

export interface HealthView {
  localFraction: number;
  swarmFraction: number;
  leastReplication: number;
  /** Distributed copies. */
  meanReplication: number;
  singleHolderCount: number;
  peers: number;
}

export type Priority = 'skip' | 'low' | 'normal' | 'high';

export interface FileView {
  index: number;
  path: string;
  size: number;
  done: number;
  progress: number;
  priority: Priority;
  pad: boolean;
}

export interface TrackerView {
  url: string;
  tier: number;
  status: 'inactive' | 'idle' | 'announcing' | 'ok' | 'error';
  error: string | null;
  warning: string | null;
  lastAnnounce: number | null;
  nextAnnounce: number | null;
  seeders: number | null;
  leechers: number | null;
  peers: number | null;
}

export interface PeerView {
  address: string;
  client: string;
  incoming: boolean;
  downloadRate: number;
  uploadRate: number;
  pieces: number;
}

export interface Detail extends Summary {
  pieceLength: number;
  pieceCount: number;
  piecesHave: number;
  comment: string | null;
  magnet: string;
  files: FileView[];
  trackers: TrackerView[];
  peerList: PeerView[];
  /** Pieces held by exactly one peer (us included), as ranges '0-3,7'. */
  singleHolderRanges?: string;
}

export interface Pieces {
  infoHash: string;
  pieceCount: number;
  peers: number;
  have: string;
  availability: string;
}

export interface Session {
  downloadDir: string;
  shareRoots: string[];
  trackers: string[];
  peerPort: number;
  connections: number;
}

export interface ShareJob {
  id: string;
  path: string;
  state: 'hashing' | 'adding' | 'done' | 'error';
  progress: number;
  infoHash: string | null;
  error: { code: string; message: string } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'shoal.token';
const BASE = '/api/v1';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t: string): void {
  sessionStorage.setItem(TOKEN_KEY, t.trim());
}

let unauthorized: () => void = () => {};
/** Called whenever the daemon answers 401 (the page then asks for the token). */
export function onUnauthorized(f: () => void): void {
  unauthorized = f;
}

export interface RawBody {
  readonly bytes: ArrayBuffer;
  readonly type: string;
}

/** One API call; throws ApiError with the daemon's error code. State-changing calls carry the CSRF header. */
export async function api<T>(method: string, path: string, body?: unknown, raw?: RawBody): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const t = getToken();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  let payload: BodyInit | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-Shoal-Request'] = '1';
    if (raw) {
      headers['Content-Type'] = raw.type;
      payload = raw.bytes;
    } else {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body ?? {});
    }
  }
  let res: Response;
  try {
    res = await fetch(BASE + path, { method, headers, body: payload ?? null, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `cannot reach the daemon (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } }).error;
    if (res.status === 401) unauthorized();
    throw new ApiError(res.status, err?.code ?? 'INTERNAL', err?.message ?? `${res.status} ${res.statusText}`);
  }
  return json as T;
}

export type DaemonEvent =
  | { type: 'hello'; torrents: Summary[] }
  | { type: 'added' | 'progress'; torrent: Summary }
  | { type: 'removed'; infoHash: string }
  | { type: 'state'; infoHash: string; state: Summary['state']; error: string | null }
  | { type: 'done'; infoHash: string; name: string }
  | { type: 'error'; infoHash: string; message: string }
  | { type: 'share'; job: ShareJob };

const EVENTS = ['hello', 'added', 'removed', 'state', 'progress', 'done', 'error', 'share'] as const;

/** Opens the event stream; `status(true)` when connected, `status(false)` when it dropped. Returns a close function. */
export function subscribe(onEvent: (e: DaemonEvent) => void, status: (open: boolean) => void): () => void {
  const t = getToken();
  const es = new EventSource(`${BASE}/events${t ? `?token=${encodeURIComponent(t)}` : ''}`);
  es.onopen = () => status(true);
  es.onerror = () => status(false);
  for (const name of EVENTS) {
    es.addEventListener(name, (m: MessageEvent<string>) => {
      try {
        onEvent({ type: name, ...(JSON.parse(m.data) as object) } as DaemonEvent);
      } catch {
        // a malformed event is skipped; the poll repairs the list
      }
    });
  }
  return () => es.close();
}

export function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
