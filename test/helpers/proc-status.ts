import { readFileSync } from 'node:fs';

/**
 * Memory of a Linux process in bytes from /proc/PID/status: `rss` now (VmRSS), `hwm` the
 * peak (VmHWM; counts file pages a client maps), `anon` resident anonymous memory now
 * (RssAnon: heap and buffers). Undefined when the process is gone.
 */
export function procMemory(pid: number): { rss: number; hwm: number; anon: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon') };
}
