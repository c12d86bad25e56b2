// Load generator for tracker benchmarks, run in its own process:
//   node loadgen.js '{"proto":"udp"|"http","port":N,"seconds":S,"warmup":W,"inflight":K,"torrents":T,"peersPerTorrent":P,"numWant":50}'
// Pre-builds every announce (UDP packets / HTTP requests) over T torrents x P peers, keeps at
// most K requests in flight, runs a fixed duration and prints one JSON line:
//   {"ok": answered announces in the measured window, "seconds", "rate", "errors", "reconnects"}
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { encodeConnectRequest, encodeUdpAnnounceRequest } from '../../src/tracker/protocol/udp.js';
import { buildAnnounceUrl, type AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { benchInfoHash, benchPeerId, benchPort, type Workload } from './workload.js';

interface Args extends Workload {
  proto: 'udp' | 'http';
  port: number;
  seconds: number;
  warmup: number;
  inflight: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
let ok = 0;
let errors = 0;
let reconnects = 0;
let measuring = false;
let okAtStart = 0;
const hashes = Array.from({ length: args.torrents }, (_, t) => benchInfoHash(t));

/** The announce of bench peer `idx` (torrent idx / peersPerTorrent); every fourth peer is a seeder. */
function announceFor(idx: number): AnnounceRequest {
  const t = Math.floor(idx / args.peersPerTorrent);
  const i = idx % args.peersPerTorrent;
  return {
    infoHash: hashes[t]!,
    peerId: benchPeerId(idx),
    port: benchPort(args, t, i),
    uploaded: 0,
    downloaded: 0,
    left: i % 4 === 0 ? 0 : 1000,
    event: 'none',
    numWant: args.numWant,
    compact: true,
    noPeerId: true,
  };
}

function shuffledOrder(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const x = a[i]!;
    a[i] = a[j]!;
    a[j] = x;
  }
  return a;
}

async function runUdp(): Promise<void> {
  const nSockets = Math.min(8, args.inflight);
  const total = args.torrents * args.peersPerTorrent;
  const order = shuffledOrder(total);
  const per = Math.ceil(args.inflight / nSockets);
  const socks: { s: Socket; pkts: Buffer[]; next: number; out: number; lastRx: number }[] = [];
  for (let k = 0; k < nSockets; k++) {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 22, sendBufferSize: 1 << 22 });
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const cid = await new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no connect reply')), 3000);
      const resend = setInterval(() => s.send(encodeConnectRequest(k), args.port, '127.0.0.1'), 500);
      s.once('message', (m: Buffer) => {
        clearTimeout(t);
        clearInterval(resend);
        resolve(m.subarray(8, 16));
      });
      s.send(encodeConnectRequest(k), args.port, '127.0.0.1');
    });
    const pkts: Buffer[] = [];
    for (let j = k; j < total; j += nSockets) {
      pkts.push(encodeUdpAnnounceRequest(cid, 0, announceFor(order[j]!)));
    }
    socks.push({ s, pkts, next: 0, out: 0, lastRx: Date.now() });
  }
  for (const st of socks) {
    const send = () => {
      const p = st.pkts[st.next]!;
      st.next = st.next + 1 === st.pkts.length ? 0 : st.next + 1;
      st.out++;
      st.s.send(p, args.port, '127.0.0.1');
    };
    st.s.on('message', (m: Buffer) => {
      st.out--;
      st.lastRx = Date.now();
      if (m.length >= 20 && m.readUInt32BE(0) === 1) ok++;
      else errors++;
      while (st.out < per) send();
    });
    // Lost datagrams: if nothing came back for 200 ms, assume the window was lost and refill.
    setInterval(() => {
      if (Date.now() - st.lastRx > 200) {
        st.out = 0;
        st.lastRx = Date.now();
        while (st.out < per) send();
      }
    }, 100).unref();
    while (st.out < per) send();
  }
}

function runHttp(): void {
  const total = args.torrents * args.peersPerTorrent;
  const order = shuffledOrder(total);
  const reqs: Buffer[] = [];
  for (let j = 0; j < total; j++) {
    const path = buildAnnounceUrl('/announce', announceFor(order[j]!));
    reqs.push(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 'latin1'));
  }
  let next = 0;
  let serverCloses = false;
  const take = () => {
    const r = reqs[next]!;
    next = next + 1 === reqs.length ? 0 : next + 1;
    return r;
  };
  // Spread connections over 127.0.0.2..17 so closing servers do not exhaust one address's ports.
  const open = (k: number): void => {
    const s: TcpSocket = connect({ port: args.port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (k % 16)}`, noDelay: true });
    let buf: Buffer | null = null;
    let waiting = false;
    let served = 0;
    s.on('connect', () => {
      waiting = true;
      s.write(take());
    });
    s.on('data', (d: Buffer) => {
      buf = buf ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const he: number = buf.indexOf('\r\n\r\n');
        if (he < 0) return;
        const head = buf.toString('latin1', 0, he);
        const m = /Content-Length: *(\d+)/i.exec(head);
        const end: number = he + 4 + Number(m?.[1] ?? 0);
        if (buf.length < end) return;
        if (head.startsWith('HTTP/1.1 200') || head.startsWith('HTTP/1.0 200')) ok++;
        else errors++;
        buf = buf.length === end ? null : buf.subarray(end);
        waiting = false;
        served++;
        // A server without keep-alive (opentracker) closes after each response: wait for it.
        if (serverCloses || /connection: *close/i.test(head)) return;
        if (!s.destroyed && s.writable) {
          waiting = true;
          s.write(take());
        }
        if (buf === null) return;
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (waiting) {
        if (served > 0) serverCloses = true;
        else errors++;
      }
      reconnects++;
      if (!stopped) open(k);
    });
  };
  for (let k = 0; k < args.inflight; k++) open(k);
}

let stopped = false;
const t0 = Date.now();
if (args.proto === 'udp') await runUdp();
else runHttp();
const setupMs = Date.now() - t0;
setTimeout(() => {
  measuring = true;
  okAtStart = ok;
  const start = process.hrtime.bigint();
  setTimeout(() => {
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const n = ok - okAtStart;
    stopped = true;
    process.stdout.write(JSON.stringify({ ok: n, seconds: secs, rate: n / secs, errors, reconnects, setupMs, measuring }) + '\n');
    process.exit(0);
  }, args.seconds * 1000);
}, args.warmup * 1000);
