/**
 * The routing table on disk: a bencoded dict {id, nodes (compact v4), nodes6 (compact v6)},
 * written atomically, read back at start (the nodes become bootstrap candidates).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decode, encode, isBytes, isDict } from '../bencode/index.js';
import { writeFileAtomic } from '../core/fs.js';
import type { NodeInfo } from './compact.js';
import { decodeNodes, encodeNodes, ID_LEN } from './compact.js';
import { DhtError } from './errors.js';

export interface DhtState {
  readonly id: Uint8Array | undefined;
  readonly nodes: readonly NodeInfo[];
}

/** Most nodes written (and read back). */
const MAX_SAVED = 1000;

export async function saveState(path: string, state: DhtState): Promise<void> {
  const nodes = state.nodes.slice(0, MAX_SAVED);
  const data = encode(
    new Map<string, Uint8Array | undefined>([
      ['id', state.id],
      ['nodes', encodeNodes(nodes, 4)],
      ['nodes6', encodeNodes(nodes, 6)],
    ]),
  );
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data);
}

/** The saved state; an absent file is an empty state, a corrupt one a DhtError('state'). */
export async function loadState(path: string): Promise<DhtState> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { id: undefined, nodes: [] };
    throw new DhtError('state', `${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  try {
    const d = decode(buf, { strict: false, maxDepth: 2, maxItems: 16 });
    if (!isDict(d)) throw new Error('not a dictionary');
    const id = d.get('id');
    const n4 = d.get('nodes');
    const n6 = d.get('nodes6');
    return {
      id: isBytes(id) && id.length === ID_LEN ? new Uint8Array(id) : undefined,
      nodes: [...(isBytes(n4) ? decodeNodes(n4, 4, MAX_SAVED) : []), ...(isBytes(n6) ? decodeNodes(n6, 6, MAX_SAVED) : [])],
    };
  } catch (e) {
    throw new DhtError('state', `${path}: unreadable DHT state (${(e as Error).message})`, { path }, { cause: e });
  }
}
