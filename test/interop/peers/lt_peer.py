#!/usr/bin/python3
"""A libtorrent peer for shoal's interop tests and benchmarks.

Run with Debian's /usr/bin/python3 (python3-libtorrent). Prints one JSON object per line on
stdout: {"event": "listening", "port": N} once, then progress lines, then
{"event": "finished"} when the torrent is complete (leech mode). Exits when stdin closes or
on SIGTERM/SIGINT, so a test that dies does not leave it behind.

Settings follow the notes in shared/REFERENCE-CLIENTS.md: DHT, LSD, UPnP, NAT-PMP and uTP off,
plaintext, several connections per IP allowed (every peer is 127.0.0.1).
"""
import argparse
import json
import os
import signal
import sys
import threading
import time

import libtorrent as lt


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torrent", required=True)
    ap.add_argument("--save", required=True, help="folder holding (seed) or receiving (leech) the data")
    ap.add_argument("--mode", choices=["seed", "leech"], required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--peer", action="append", default=[], help="host:port to connect to")
    ap.add_argument("--fast", action="store_true", help="high-performance preset, large request queues")
    ap.add_argument("--seed-mode", action="store_true", help="seed without checking the data first")
    ap.add_argument("--exit-on-finish", action="store_true")
    ap.add_argument("--interval", type=float, default=0.5)
    a = ap.parse_args()

    settings = lt.high_performance_seed() if a.fast else lt.default_settings()
    settings.update({
        "listen_interfaces": "%s:%d" % (a.host, a.port),
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "out_enc_policy": lt.enc_policy.disabled,
        "in_enc_policy": lt.enc_policy.disabled,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
        "user_agent": "libtorrent-interop",
    })
    if a.fast:
        settings.update({"max_out_request_queue": 1500, "max_allowed_in_request_queue": 2000})
    ses = lt.session(settings)

    info = lt.torrent_info(a.torrent)
    params = lt.add_torrent_params()
    params.ti = info
    params.save_path = a.save
    if a.seed_mode:
        params.flags |= lt.torrent_flags.seed_mode
    # Not auto-managed: otherwise libtorrent keeps the torrent paused for about a second
    # and refuses connections meanwhile ("no active torrents").
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    h = ses.add_torrent(params)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.read(1):
                pass
        except Exception:
            pass
        stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()

    # Wait for the listen socket so the caller learns the real port.
    deadline = time.time() + 10
    while ses.listen_port() == 0 and time.time() < deadline:
        time.sleep(0.01)
    emit(event="listening", port=ses.listen_port())

    for p in a.peer:
        host, port = p.rsplit(":", 1)
        h.connect_peer((host, int(port)))

    finished = False
    started = time.time()
    while not stop.is_set():
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.torrent_error_alert) or isinstance(alert, lt.file_error_alert):
                emit(event="error", message=alert.message())
        s = h.status()
        emit(event="progress", state=str(s.state), progress=s.progress, down=s.download_rate,
             up=s.upload_rate, peers=s.num_peers, done=s.total_done, uploaded=s.all_time_upload)
        if not finished and s.is_seeding and a.mode == "leech":
            finished = True
            emit(event="finished", seconds=time.time() - started)
            if a.exit_on_finish:
                break
        stop.wait(a.interval)
    ses.pause()
    emit(event="exit")


if __name__ == "__main__":
    main()
