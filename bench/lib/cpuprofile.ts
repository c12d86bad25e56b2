/** Reads a V8 .cpuprofile (node --cpu-prof) and prints self time per function and per file. */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('/build/');
  const j = url.lastIndexOf('/dist/');
  const k = Math.max(i, j);
  return k >= 0 ? url.slice(k + 1) : url.replace(/^file:\/\//, '') || '(native)';
}

/** Self milliseconds per "function file:line", and per file, from sample time deltas. */
export function selfTimes(p: CpuProfile): { byFn: Map<string, number>; byFile: Map<string, number>; totalMs: number } {
  const byId = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]!);
    // The delta after a sample is the time it stood for.
    const ms = (deltas[i + 1] ?? 0) / 1000;
    if (!n) continue;
    total += ms;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
    const file = f.url ? shortUrl(f.url) : f.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
  }
  return { byFn, byFile, totalMs: total };
}

export async function printProfile(path: string, top = 30): Promise<void> {
  const p = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const { byFn, byFile, totalMs } = selfTimes(p);
  const idle = byFn.get('(idle) (native):0') ?? 0;
  console.log(`\n${path}: ${(totalMs / 1000).toFixed(2)} s sampled on the main thread, ${(idle / 1000).toFixed(2)} s idle`);
  const print = (m: Map<string, number>, n: number): void => {
    for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${ms.toFixed(0).padStart(7)} ms ${((ms / totalMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
  };
  console.log('self time by function:');
  print(byFn, top);
  console.log('self time by file:');
  print(byFile, 15);
}
