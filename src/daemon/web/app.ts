// The page: header with totals, the torrent table, the detail panel, dialogs. The list is
// kept live from the daemon's event stream; while the stream is down it is polled.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, getToken, onUnauthorized, setToken, subscribe } from './api.js';
import type { DaemonEvent, Session, Summary } from './api.js';
import { AddDialog } from './add.js';
import { DetailPanel } from './detail.js';
import { RemoveDialog, TokenDialog } from './dialogs.js';
import { rate } from './format.js';
import { html } from './html.js';
import type { VNode } from './html.js';
import { TorrentList } from './list.js';

const POLL_MS = 2000;

type Torrents = Map<string, Summary>;

function apply(list: Torrents, e: DaemonEvent): Torrents {
  const next = new Map(list);
  switch (e.type) {
    case 'hello':
      return new Map(e.torrents.map((t) => [t.infoHash, t]));
    case 'added':
    case 'progress':
      next.set(e.torrent.infoHash, e.torrent);
      return next;
    case 'removed':
      next.delete(e.infoHash);
      return next;
    case 'state': {
      const t = next.get(e.infoHash);
      if (t) next.set(e.infoHash, { ...t, state: e.state, error: e.error ?? null, ...(e.state === 'stopped' && { downloadRate: 0, uploadRate: 0, peers: 0, seeds: 0 }) });
      return next;
    }
    default:
      return list;
  }
}

function App(): VNode {
  const [torrents, setTorrents] = useState<Torrents>(new Map());
  const [live, setLive] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Summary | undefined>(undefined);
  const [needToken, setNeedToken] = useState(false);
  const [authEpoch, setAuthEpoch] = useState(0);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => onUnauthorized(() => setNeedToken(true)), []);

  const refresh = useCallback(async () => {
    const r = await api<{ torrents: Summary[] }>('GET', '/torrents');
    setTorrents(new Map(r.torrents.map((t) => [t.infoHash, t])));
    setLoaded(true);
  }, []);

  // Session once (and again after a token was entered); the event stream.
  useEffect(() => {
    api<Session>('GET', '/session').then(setSession, () => {});
    void refresh().catch(() => {});
    const close = subscribe(
      (e) => {
        setTorrents((cur) => apply(cur, e));
        if (e.type === 'hello') setLoaded(true);
        if (e.type === 'error') setNotice(e.message);
        // A state change or completion carries no summary: fetch the torrent's fresh numbers.
        if (e.type === 'state' || e.type === 'done') api<Summary>('GET', `/torrents/${e.infoHash}`).then((t) => setTorrents((cur) => (cur.has(t.infoHash) ? new Map(cur).set(t.infoHash, t) : cur)), () => {});
      },
      setLive,
    );
    return close;
  }, [authEpoch]);

  // Fallback: poll while the stream is not connected.
  useEffect(() => {
    if (live || needToken) return;
    const id = window.setInterval(() => void refresh().catch(() => {}), POLL_MS);
    return () => clearInterval(id);
  }, [live, needToken, authEpoch]);

  const act = async (t: Summary, f: () => Promise<unknown>): Promise<void> => {
    setBusy((b) => new Set(b).add(t.infoHash));
    try {
      await f();
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy((b) => {
        const n = new Set(b);
        n.delete(t.infoHash);
        return n;
      });
    }
  };
  const upsert = (t: Summary): void => setTorrents((cur) => new Map(cur).set(t.infoHash, t));
  const start = (t: Summary): void => void act(t, async () => upsert(await api<Summary>('POST', `/torrents/${t.infoHash}/start`)));
  const stop = (t: Summary): void => void act(t, async () => upsert(await api<Summary>('POST', `/torrents/${t.infoHash}/stop`)));
  const remove = (t: Summary, deleteData: boolean): void => {
    setRemoving(undefined);
    void act(t, async () => {
      await api('DELETE', `/torrents/${t.infoHash}?deleteData=${deleteData}`);
      setTorrents((cur) => {
        const n = new Map(cur);
        n.delete(t.infoHash);
        return n;
      });
      if (selected === t.infoHash) setSelected(undefined);
    });
  };

  const list = [...torrents.values()].sort((a, b) => a.addedAt - b.addedAt || a.id - b.id);
  let down = 0;
  let up = 0;
  for (const t of list) {
    down += t.downloadRate;
    up += t.uploadRate;
  }
  const active = list.filter((t) => t.state === 'downloading').length;
  const closeDetail = useCallback(() => setSelected(undefined), []);

  return html`<div class="app">
    <header class="top">
      <h1><span class="logo" aria-hidden="true"></span>shoal</h1>
      <dl class="totals">
        <div><dt>Down</dt><dd id="total-down">${rate(down)}</dd></div>
        <div><dt>Up</dt><dd id="total-up">${rate(up)}</dd></div>
        <div><dt>Torrents</dt><dd id="total-count">${list.length}${active ? ` (${active} active)` : ''}</dd></div>
      </dl>
      <span class=${live ? 'live on' : 'live'} title=${live ? 'live updates' : 'polling every 2 s'}>${live ? 'live' : 'polling'}</span>
      <button class="primary" data-action="add" onClick=${() => setAdding(true)}>Add</button>
    </header>
    ${notice ? html`<div class="notice" role="alert"><span>${notice}</span><button class="ghost" onClick=${() => setNotice(undefined)} aria-label="Dismiss">✕</button></div>` : null}
    <main>
      ${loaded ? html`<${TorrentList} torrents=${list} selected=${selected} busy=${busy} onSelect=${setSelected} onStart=${start} onStop=${stop} onRemove=${setRemoving} />` : html`<p class="muted pad">Connecting to the daemon…</p>`}
      ${selected && torrents.has(selected) ? html`<${DetailPanel} key=${selected} hash=${selected} onClose=${closeDetail} />` : null}
    </main>
    ${adding ? html`<${AddDialog} session=${session} onClose=${() => setAdding(false)} onAdded=${(t: Summary) => (upsert(t), setAdding(false), setSelected(t.infoHash))} />` : null}
    ${removing ? html`<${RemoveDialog} t=${removing} onCancel=${() => setRemoving(undefined)} onConfirm=${(del: boolean) => remove(removing, del)} />` : null}
    ${needToken ? html`<${TokenDialog} onSave=${(tok: string) => (setToken(tok), setNeedToken(false), setAuthEpoch((n) => n + 1))} />` : null}
  </div>`;
}

if (getToken() === null && new URLSearchParams(location.hash.slice(1)).has('token')) {
  // #token=T in the address (never sent to the server): keep it for this tab and drop it from the address bar.
  setToken(new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  history.replaceState(null, '', location.pathname);
}
const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
