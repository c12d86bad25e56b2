// The add dialog: a .torrent file, a magnet link or info-hash, or a local path to share.
// Paths are typed, never browsed: the daemon checks them against its allowed roots and the
// dialog shows its INVALID_ARGUMENT answer.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import type { Session, ShareJob, Summary } from './api.js';
import { Modal } from './dialogs.js';
import { percent } from './format.js';
import { html } from './html.js';
import type { VNode } from './html.js';

type Mode = 'file' | 'link' | 'share';

const value = (e: Event): string => (e.target as HTMLInputElement).value;

function peersOf(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function AddDialog({ session, onClose, onAdded }: { session: Session | undefined; onClose: () => void; onAdded: (t: Summary) => void }): VNode {
  const [mode, setMode] = useState<Mode>('file');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [link, setLink] = useState('');
  const [path, setPath] = useState('');
  const [dir, setDir] = useState('');
  const [peers, setPeers] = useState('');
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<ShareJob | undefined>(undefined);

  const roots = session?.shareRoots ?? [];
  const watchJob = async (j: ShareJob): Promise<void> => {
    let cur = j;
    while (cur.state === 'hashing' || cur.state === 'adding') {
      setJob(cur);
      await new Promise((r) => setTimeout(r, 500));
      cur = await api<ShareJob>('GET', `/share/${encodeURIComponent(cur.id)}`);
    }
    setJob(cur);
    if (cur.state === 'error') throw new Error(cur.error?.message ?? 'sharing failed');
    if (cur.infoHash) onAdded(await api<Summary>('GET', `/torrents/${cur.infoHash}`));
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const opts = { ...(dir.trim() && { downloadDir: dir.trim() }), ...(paused && { paused: true }), ...(peersOf(peers).length > 0 && { peers: peersOf(peers) }) };
      if (mode === 'file') {
        if (!file) throw new Error('choose a .torrent file');
        const q = new URLSearchParams();
        if (opts.downloadDir) q.set('downloadDir', opts.downloadDir);
        if (paused) q.set('paused', 'true');
        for (const p of opts.peers ?? []) q.append('peer', p);
        const t = await api<Summary>('POST', `/torrents${q.toString() ? `?${q.toString()}` : ''}`, undefined, { bytes: await file.arrayBuffer(), type: 'application/x-bittorrent' });
        onAdded(t);
      } else if (mode === 'link') {
        const s = link.trim();
        if (!s) throw new Error('paste a magnet link or an info-hash');
        const body = s.toLowerCase().startsWith('magnet:') ? { magnet: s, ...opts } : { infoHash: s, ...opts };
        onAdded(await api<Summary>('POST', '/torrents', body));
      } else {
        if (!path.trim()) throw new Error('type the path of a file or folder to share');
        const r = await api<{ job: ShareJob }>('POST', '/share', { path: path.trim() });
        await watchJob(r.job);
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const tab = (m: Mode, label: string): VNode => html`<button type="button" role="tab" aria-selected=${mode === m} class=${mode === m ? 'tab on' : 'tab'} onClick=${() => (setMode(m), setError(undefined))}>${label}</button>`;
  const common = html`
    <label>Download folder <span class="muted">(optional)</span>
      <input type="text" name="downloadDir" placeholder=${session?.downloadDir ?? 'default download folder'} value=${dir} onInput=${(e: Event) => setDir(value(e))} />
    </label>
    <details class="advanced">
      <summary>Advanced</summary>
      <label>Peers to connect to <span class="muted">(host:port, comma-separated)</span>
        <input type="text" name="peers" placeholder="192.0.2.7:6881" value=${peers} onInput=${(e: Event) => setPeers(value(e))} />
      </label>
      <label class="check"><input type="checkbox" name="paused" checked=${paused} onChange=${(e: Event) => setPaused((e.target as HTMLInputElement).checked)} /> Add stopped</label>
    </details>`;

  return html`<${Modal} title="Add a torrent" onClose=${onClose}>
    <nav class="tabs" role="tablist">${tab('file', 'Torrent file')}${tab('link', 'Magnet or info-hash')}${tab('share', 'Share a local path')}</nav>
    <form onSubmit=${(e: Event) => void submit(e)} class="add-form">
      ${mode === 'file'
        ? html`<label>.torrent file <input type="file" name="torrent" accept=".torrent,application/x-bittorrent" onChange=${(e: Event) => setFile((e.target as HTMLInputElement).files?.[0])} /></label>${common}`
        : mode === 'link'
          ? html`<label>Magnet link or info-hash <input type="text" name="link" placeholder="magnet:?xt=urn:btih:…" value=${link} onInput=${(e: Event) => setLink(value(e))} /></label>${common}`
          : html`<label>Path on the daemon's machine
                <input type="text" name="path" placeholder=${roots[0] ? `${roots[0]}/…` : '/path/to/folder'} value=${path} onInput=${(e: Event) => setPath(value(e))} />
              </label>
              <p class="muted small">The daemon hashes the file or folder and seeds it from where it lies. Only paths inside ${roots.length === 1 ? 'this folder' : 'these folders'} can be shared: ${roots.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}</p>
              ${job ? html`<p class="small">Sharing: ${job.state} ${percent(job.progress)}</p>` : null}`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <footer>
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Working…' : mode === 'share' ? 'Share' : 'Add'}</button>
      </footer>
    </form>
  </${Modal}>`;
}
