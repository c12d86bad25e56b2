// The piece picture: one canvas cell per piece (or per group of pieces when there are
// many), coloured by what we hold and how many connected peers hold the rest.
import { useEffect, useRef } from 'preact/hooks';
import { decodeBase64 } from './api.js';
import type { Pieces } from './api.js';
import { html } from './html.js';
import type { VNode } from './html.js';

export const HAVE = '#2563eb';
export const NOWHERE = '#dc2626';
/** 1, 2, 3, 4, 5+ copies among the peers we see. */
export const COPIES = ['#bbf7d0', '#86efac', '#4ade80', '#16a34a', '#166534'] as const;
const MAX_CELLS = 4096;

export interface Cell {
  /** 'have', 'nowhere', or copies (1..5) of the rarest missing piece in the cell. */
  readonly kind: 'have' | 'nowhere' | number;
}

/** Cells of the picture: a cell is 'have' when we hold all its pieces, 'nowhere' when one of its missing pieces has no copy. */
export function cells(count: number, have: Uint8Array, availability: Uint8Array): { cells: Cell[]; group: number } {
  const group = Math.max(1, Math.ceil(count / MAX_CELLS));
  const out: Cell[] = [];
  for (let start = 0; start < count; start += group) {
    const end = Math.min(count, start + group);
    let rarest = Infinity;
    for (let i = start; i < end; i++) {
      const held = ((have[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
      if (!held) rarest = Math.min(rarest, availability[i] ?? 0);
    }
    out.push({ kind: rarest === Infinity ? 'have' : rarest === 0 ? 'nowhere' : Math.min(5, rarest) });
  }
  return { cells: out, group };
}

function colour(c: Cell): string {
  if (c.kind === 'have') return HAVE;
  if (c.kind === 'nowhere') return NOWHERE;
  return COPIES[c.kind - 1] ?? COPIES[4];
}

function draw(canvas: HTMLCanvasElement, list: Cell[]): void {
  const width = Math.max(100, canvas.parentElement?.clientWidth ?? 600);
  const n = Math.max(1, list.length);
  // Aim for a picture about 140 px high, cells 4..18 px.
  const size = Math.max(4, Math.min(18, Math.floor(Math.sqrt((width * 140) / n))));
  const cols = Math.max(1, Math.floor(width / size));
  const rows = Math.ceil(n / cols);
  const gap = size >= 8 ? 1 : 0;
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cols * size}px`;
  canvas.style.height = `${rows * size}px`;
  canvas.width = Math.round(cols * size * dpr);
  canvas.height = Math.round(rows * size * dpr);
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cols * size, rows * size);
  list.forEach((c, i) => {
    g.fillStyle = colour(c);
    g.fillRect((i % cols) * size, Math.floor(i / cols) * size, size - gap, size - gap);
  });
}

export function PieceMap({ data }: { data: Pieces | undefined }): VNode {
  const ref = useRef<HTMLCanvasElement>(null);
  const latest = useRef<Cell[]>([]);
  const summary = useRef({ have: 0, group: 1 });
  if (data) {
    const have = decodeBase64(data.have);
    const r = cells(data.pieceCount, have, decodeBase64(data.availability));
    latest.current = r.cells;
    let count = 0;
    for (let i = 0; i < data.pieceCount; i++) count += ((have[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    summary.current = { have: count, group: r.group };
  }
  useEffect(() => {
    if (ref.current) draw(ref.current, latest.current);
  }, [data]);
  useEffect(() => {
    const c = ref.current;
    if (!c || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => draw(c, latest.current));
    if (c.parentElement) ro.observe(c.parentElement);
    return () => ro.disconnect();
  }, []);
  const s = summary.current;
  return html`<section class="pieces" aria-label="Pieces">
    <div class="pieces-head">
      <h3>Pieces</h3>
      <span class="muted">${data ? `${s.have} of ${data.pieceCount} pieces here · ${data.peers} peer${data.peers === 1 ? '' : 's'} seen${s.group > 1 ? ` · one cell = ${s.group} pieces` : ''}` : 'loading…'}</span>
    </div>
    <div class="canvas-box">
      <canvas ref=${ref} class="piece-canvas" data-pieces=${data?.pieceCount ?? 0} data-have=${s.have} role="img" aria-label="Piece map"></canvas>
    </div>
    <ul class="legend">
      <li><i style=${`background:${HAVE}`}></i>have</li>
      ${COPIES.map((c, i) => html`<li><i style=${`background:${c}`}></i>${i === 4 ? '5+ copies' : `${i + 1} cop${i === 0 ? 'y' : 'ies'}`}</li>`)}
      <li><i style=${`background:${NOWHERE}`}></i>no peer has it</li>
    </ul>
  </section>`;
}
