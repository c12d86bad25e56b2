/**
 * Hashing worker: runs the jobs it is sent through a RangeHasher (hash-range.ts), one at a
 * time in the order received, and replies with their digests.
 * Started by hasher.ts with workerData = HashInit; receives HashJob, replies HashReply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HashClose, HashInit, HashJob } from './hash-protocol.js';
import { RangeHasher } from './hash-range.js';

const init = workerData as HashInit;
const progress = new BigUint64Array(init.progress);
/** Set by a 'close' message that arrives while a job runs: stop after the read in flight. */
let closing = false;
const hasher = new RangeHasher(init, () => closing || Atomics.load(progress, init.stopSlot) !== 0n);

function closeAndExit(): never {
  hasher.close();
  process.exit(0);
}

const port = parentPort!;
const queue: HashJob[] = [];
let running = false;

async function drain(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
    const reply = await hasher.runJob(job);
    if (reply === 'stopped') closeAndExit();
    port.postMessage(reply, reply.type === 'done' ? [reply.digests.buffer as ArrayBuffer] : []);
    if (closing) closeAndExit();
  }
  running = false;
}

port.on('message', (msg: HashJob | HashClose) => {
  if (msg.type === 'close') {
    if (!running) closeAndExit();
    closing = true;
    return;
  }
  queue.push(msg);
  if (!running) void drain();
});
