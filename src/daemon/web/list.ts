// The torrent table: one row per torrent, click to open its details.
import type { Summary } from './api.js';
import { bytes, eta, percent, rate } from './format.js';
import { html } from './html.js';
import type { VNode } from './html.js';

export interface ListProps {
  readonly torrents: Summary[];
  readonly selected: string | undefined;
  readonly busy: ReadonlySet<string>;
  readonly onSelect: (hash: string) => void;
  readonly onStart: (t: Summary) => void;
  readonly onStop: (t: Summary) => void;
  readonly onRemove: (t: Summary) => void;
}

const RUNNING = new Set(['metadata', 'checking', 'downloading', 'seeding', 'paused']);

export function TorrentList(p: ListProps): VNode {
  if (p.torrents.length === 0) {
    return html`<div class="empty"><p>No torrents yet.</p><p class="muted">Use <b>Add</b> to open a .torrent file, paste a magnet link, or share a folder.</p></div>`;
  }
  const stop = (e: Event): void => e.stopPropagation();
  return html`<div class="table-wrap"><table class="torrents">
    <thead>
      <tr>
        <th>Name</th><th class="num hide-s">Size</th><th class="pcol">Progress</th><th>State</th>
        <th class="num">Down</th><th class="num hide-xs">Up</th><th class="num hide-s">Peers</th><th class="num hide-s">ETA</th><th class="actions"><span class="sr">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${p.torrents.map((t) => {
        const running = RUNNING.has(t.state);
        const busy = p.busy.has(t.infoHash);
        return html`<tr key=${t.infoHash} data-hash=${t.infoHash} data-state=${t.state} class=${p.selected === t.infoHash ? 'sel' : ''} onClick=${() => p.onSelect(t.infoHash)} tabindex="0" onKeyDown=${(e: KeyboardEvent) => e.key === 'Enter' && p.onSelect(t.infoHash)}>
          <td class="name" title=${t.name}>${t.name}${t.error ? html`<div class="error small">${t.error}</div>` : null}</td>
          <td class="num hide-s">${t.size === null ? '—' : bytes(t.size)}</td>
          <td class="pcol"><div class=${`bar s-${t.state}`} role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(t.progress * 100)}><div style=${{ width: `${Math.min(100, t.progress * 100)}%` }}></div></div><span class="pct">${percent(t.progress)}</span></td>
          <td><span class=${`badge s-${t.state}`} title=${t.state === 'metadata' && t.metadata ? `${t.metadata.offering} of ${t.metadata.known} peers offer the metadata` : null}>${t.state === 'metadata' ? 'fetching metadata' : t.state}</span></td>
          <td class="num">${rate(t.downloadRate)}</td>
          <td class="num hide-xs">${rate(t.uploadRate)}</td>
          <td class="num hide-s" title="connected peers / of them seeds">${t.peers} / ${t.seeds}</td>
          <td class="num hide-s">${eta(t.eta, t.state)}</td>
          <td class="actions" onClick=${stop}>
            ${running
              ? html`<button data-action="stop" disabled=${busy} onClick=${() => p.onStop(t)} title="Stop">Stop</button>`
              : html`<button data-action="start" disabled=${busy} onClick=${() => p.onStart(t)} title="Start">Start</button>`}
            <button data-action="remove" class="danger" disabled=${busy} onClick=${() => p.onRemove(t)} title="Remove">Remove</button>
          </td>
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}
