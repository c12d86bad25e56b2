// Small modal dialogs: confirm removal, ask for the API token.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Summary } from './api.js';
import { html } from './html.js';
import type { VNode } from './html.js';

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: unknown }): VNode {
  useEffect(() => {
    const key = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return html`<div class="overlay" onClick=${(e: MouseEvent) => e.target === e.currentTarget && onClose()}>
    <div class="modal" role="dialog" aria-modal="true" aria-label=${title}>
      <header><h2>${title}</h2><button class="ghost" onClick=${onClose} aria-label="Close">✕</button></header>
      ${children}
    </div>
  </div>`;
}

export function RemoveDialog({ t, onCancel, onConfirm }: { t: Summary; onCancel: () => void; onConfirm: (deleteData: boolean) => void }): VNode {
  const [del, setDel] = useState(false);
  return html`<${Modal} title="Remove torrent" onClose=${onCancel}>
    <p>Remove <b>${t.name}</b> from the daemon?</p>
    <label class="check"><input type="checkbox" name="deleteData" checked=${del} onChange=${(e: Event) => setDel((e.target as HTMLInputElement).checked)} /> Also delete the downloaded data in ${t.downloadDir}</label>
    <footer>
      <button onClick=${onCancel}>Cancel</button>
      <button class="danger primary" data-action="confirm-remove" onClick=${() => onConfirm(del)}>${del ? 'Remove and delete data' : 'Remove'}</button>
    </footer>
  </${Modal}>`;
}

export function TokenDialog({ onSave }: { onSave: (token: string) => void }): VNode {
  const [v, setV] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (e: Event): void => {
    e.preventDefault();
    if (v.trim()) onSave(v.trim());
  };
  return html`<${Modal} title="API token needed" onClose=${() => {}}>
    <form onSubmit=${submit}>
      <p>This daemon asks for its API token (printed at its first start, stored in <code>DATA/token</code>). It is kept for this browser tab only.</p>
      <label>Token <input ref=${input} type="password" autocomplete="off" value=${v} onInput=${(e: Event) => setV((e.target as HTMLInputElement).value)} /></label>
      <footer><button class="primary" type="submit">Continue</button></footer>
    </form>
  </${Modal}>`;
}
