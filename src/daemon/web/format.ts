// Number formatting for the tables.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${UNITS[i]}`;
}

export function rate(n: number): string {
  return n >= 1 ? `${bytes(n)}/s` : '—';
}

export function percent(p: number): string {
  if (p >= 1) return '100 %';
  return `${(Math.floor(p * 1000) / 10).toFixed(1)} %`;
}

export function eta(s: number | null, state: string): string {
  if (state === 'seeding') return 'done';
  if (s === null || state !== 'downloading') return '—';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function span(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** '12 s ago' from a time in ms since the epoch ('—' for null). */
export function ago(ms: number | null): string {
  return ms === null ? '—' : `${span(Math.max(0, Math.round((Date.now() - ms) / 1000)))} ago`;
}

/** 'in 5 min' from a time in ms since the epoch ('—' for null). */
export function until(ms: number | null): string {
  return ms === null ? '—' : `in ${span(Math.max(0, Math.round((ms - Date.now()) / 1000)))}`;
}
