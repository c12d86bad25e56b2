// The detail panel of the selected torrent: piece picture, files (with priorities),
// trackers and peers. Refreshed once a second while open.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import type { Detail, Pieces, Priority } from './api.js';
import { bytes, percent, rate } from './format.js';
import { html } from './html.js';
import type { VNode } from './html.js';
import { PieceMap } from './pieces.js';

const REFRESH_MS = 1000;
type Tab = 'files' | 'trackers' | 'peers';

function Bar({ value }: { value: number }): VNode {
  return html`<div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(value * 100)}><div style=${{ width: `${Math.min(100, value * 100)}%` }}></div></div>`;
}

function Files({ d, onError }: { d: Detail; onError: (m: string) => void }): VNode {
  const set = (index: number, p: Priority): void => {
    api('PATCH', `/torrents/${d.infoHash}/files`, { priorities: { [index]: p } }).catch((e: unknown) => onError((e as Error).message));
  };
  const files = d.files.filter((f) => !f.pad);
  return html`<table class="sub">
    <thead><tr><th>File</th><th class="num hide-s">Size</th><th class="pcol">Progress</th><th>Priority</th></tr></thead>
    <tbody>
      ${files.map(
        (f) => html`<tr key=${f.index}>
          <td class="name" title=${f.path}>${f.path}</td>
          <td class="num hide-s">${bytes(f.size)}</td>
          <td class="pcol"><${Bar} value=${f.progress} /><span class="pct">${percent(f.progress)}</span></td>
          <td>
            <select aria-label=${`Priority of ${f.path}`} value=${f.priority} onChange=${(e: Event) => set(f.index, (e.target as HTMLSelectElement).value as Priority)}>
              <option value="high">high</option><option value="normal">normal</option><option value="low">low</option><option value="skip">skip</option>
            </select>
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Trackers({ d }: { d: Detail }): VNode {
  if (d.trackers.length === 0) return html`<p class="muted">No trackers: peers come from the ones given when adding, and from incoming connections.</p>`;
  return html`<table class="sub">
    <thead><tr><th>Tracker</th><th class="num">Tier</th><th>Status</th></tr></thead>
    <tbody>
      ${d.trackers.map(
        (t) => html`<tr key=${t.url}>
          <td class="name">${t.url}</td>
          <td class="num">${t.tier + 1}</td>
          <td><span class=${`badge t-${t.status}`}>${t.status}</span>${t.error ? html` <span class="muted">${t.error}</span>` : null}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Peers({ d }: { d: Detail }): VNode {
  if (d.peerList.length === 0) return html`<p class="muted">No peers connected.</p>`;
  return html`<table class="sub">
    <thead><tr><th>Address</th><th>Client</th><th class="num">Down</th><th class="num">Up</th><th class="pcol">Has</th></tr></thead>
    <tbody>
      ${d.peerList.map((p) => {
        const have = d.pieceCount ? p.pieces / d.pieceCount : 0;
        return html`<tr key=${p.address}>
          <td class="mono">${p.address}${p.incoming ? html` <span class="muted">in</span>` : null}</td>
          <td>${p.client || 'unknown'}</td>
          <td class="num">${rate(p.downloadRate)}</td>
          <td class="num">${rate(p.uploadRate)}</td>
          <td class="pcol"><${Bar} value=${have} /><span class="pct">${percent(have)}</span></td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

export function DetailPanel({ hash, onClose }: { hash: string; onClose: () => void }): VNode {
  const [d, setD] = useState<Detail | undefined>(undefined);
  const [pieces, setPieces] = useState<Pieces | undefined>(undefined);
  const [tab, setTab] = useState<Tab>('files');
  const [err, setErr] = useState<string | undefined>(undefined);

  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    setD(undefined);
    setPieces(undefined);
    const tick = async (): Promise<void> => {
      try {
        const [a, b] = await Promise.all([api<Detail>('GET', `/torrents/${hash}`), api<Pieces>('GET', `/torrents/${hash}/pieces`)]);
        if (!alive) return;
        setD(a);
        setPieces(b);
        setErr(undefined);
      } catch (e) {
        if (!alive) return;
        if (e instanceof ApiError && e.code === 'NOT_FOUND') return onClose();
        setErr((e as Error).message);
      }
      if (alive) timer = window.setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [hash]);

  const tabs: [Tab, string][] = [
    ['files', `Files${d ? ` (${d.files.filter((f) => !f.pad).length})` : ''}`],
    ['trackers', `Trackers${d ? ` (${d.trackers.length})` : ''}`],
    ['peers', `Peers${d ? ` (${d.peerList.length})` : ''}`],
  ];
  return html`<section class="detail" aria-label="Torrent details">
    <header class="detail-head">
      <div>
        <h2>${d?.name ?? '…'}</h2>
        ${d ? html`<p class="muted mono small">${d.infoHash} · ${bytes(d.size)} in ${d.pieceCount} pieces of ${bytes(d.pieceLength)} · ${d.downloadDir}</p>` : null}
        ${d?.comment ? html`<p class="small">${d.comment}</p>` : null}
      </div>
      <button class="ghost" onClick=${onClose} aria-label="Close details">✕</button>
    </header>
    ${err ? html`<p class="error" role="alert">${err}</p>` : null}
    <${PieceMap} data=${pieces} />
    <nav class="tabs" role="tablist">
      ${tabs.map(([k, label]) => html`<button role="tab" aria-selected=${tab === k} class=${tab === k ? 'tab on' : 'tab'} onClick=${() => setTab(k)}>${label}</button>`)}
    </nav>
    <div class="tab-body">
      ${d === undefined ? html`<p class="muted">loading…</p>` : tab === 'files' ? html`<${Files} d=${d} onError=${setErr} />` : tab === 'trackers' ? html`<${Trackers} d=${d} />` : html`<${Peers} d=${d} />`}
    </div>
  </section>`;
}
