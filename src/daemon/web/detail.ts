// The detail panel of the selected torrent: piece picture, files (with priorities),
// trackers and peers. Refreshed once a second while open.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import type { Detail, Pieces, Priority } from './api.js';
import { ago, bytes, percent, rate, until } from './format.js';
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
  const n = (v: number | null): string => (v === null ? '—' : String(v));
  return html`<table class="sub">
    <thead><tr><th>Tracker</th><th class="num hide-s">Tier</th><th>Status</th><th class="num hide-s">Last</th><th class="num hide-s">Next</th><th class="num" title="seeders / leechers the tracker reports">S / L</th><th class="num hide-s" title="peers returned by the last announce">Peers</th></tr></thead>
    <tbody>
      ${d.trackers.map(
        (t) => html`<tr key=${t.url} data-tracker=${t.url} data-status=${t.status}>
          <td class="name" title=${t.url}>${t.url}${t.error ? html`<div class="error small">${t.error}</div>` : t.warning ? html`<div class="muted small">${t.warning}</div>` : null}</td>
          <td class="num hide-s">${t.tier + 1}</td>
          <td><span class=${`badge t-${t.status}`}>${t.status}</span></td>
          <td class="num hide-s">${ago(t.lastAnnounce)}</td>
          <td class="num hide-s">${until(t.nextAnnounce)}</td>
          <td class="num">${n(t.seeders)} / ${n(t.leechers)}</td>
          <td class="num hide-s">${n(t.peers)}</td>
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

/** Swarm health: how many copies of the file the swarm we see holds, and where it is thin. */
function Health({ d }: { d: Detail }): VNode {
  const h = d.health!;
  return html`<p class="small health" aria-label="Swarm health">
    <span title="pieces we hold">local ${percent(h.localFraction)}</span> ·
    <span title="pieces held by anyone we see, us included">swarm ${percent(h.swarmFraction)}</span> ·
    <span title="copies of the rarest piece">least copies ${h.leastReplication}</span> ·
    <span title="distributed copies: least copies + the fraction of pieces with more">distributed copies ${h.meanReplication.toFixed(2)}</span> ·
    <span title="pieces held by exactly one peer, us included">single holder ${h.singleHolderCount}${h.singleHolderCount > 0 && d.singleHolderRanges ? html` <span class="mono muted">(${d.singleHolderRanges})</span>` : null}</span>
  </p>`;
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
        ${d ? html`<p class="muted mono small">${d.infoHash} · ${d.size === null ? "size unknown (fetching metadata)" : bytes(d.size)} in ${d.pieceCount} pieces of ${bytes(d.pieceLength)} · ${d.downloadDir}</p>` : null}
        ${d?.comment ? html`<p class="small">${d.comment}</p>` : null}
      </div>
      <button class="ghost" onClick=${onClose} aria-label="Close details">✕</button>
    </header>
    ${err ? html`<p class="error" role="alert">${err}</p>` : null}
    <${PieceMap} data=${pieces} />
    ${d?.health ? html`<${Health} d=${d} />` : null}
    <nav class="tabs" role="tablist">
      ${tabs.map(([k, label]) => html`<button role="tab" aria-selected=${tab === k} class=${tab === k ? 'tab on' : 'tab'} onClick=${() => setTab(k)}>${label}</button>`)}
    </nav>
    <div class="tab-body">
      ${d === undefined ? html`<p class="muted">loading…</p>` : tab === 'files' ? html`<${Files} d=${d} onError=${setErr} />` : tab === 'trackers' ? html`<${Trackers} d=${d} />` : html`<${Peers} d=${d} />`}
    </div>
  </section>`;
}
