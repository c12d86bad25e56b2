#!/usr/bin/python3
"""A libtorrent peer for shoal's interop tests and benchmarks.

Run with Debian's /usr/bin/python3 (python3-libtorrent). Prints one JSON object per line on
stdout: {"event": "listening", "port": N} once, then progress lines, then
{"event": "finished"} when the torrent is complete (leech mode). Exits when stdin closes or
on SIGTERM/SIGINT, so a test that dies does not leave it behind.

Settings follow the notes in shared/REFERENCE-CLIENTS.md: DHT (unless --dht-bootstrap), LSD, UPnP, NAT-PMP and uTP off,
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
    ap.add_argument("--torrent", help=".torrent file (or give --magnet)")
    ap.add_argument("--magnet", help="magnet URI instead of --torrent: metadata comes from peers (BEP 9)")
    ap.add_argument("--save-torrent", help="with --magnet: write the fetched metadata as a .torrent here")
    ap.add_argument("--save", required=True, help="folder holding (seed) or receiving (leech) the data")
    ap.add_argument("--mode", choices=["seed", "leech"], required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--peer", action="append", default=[], help="host:port to connect to")
    ap.add_argument("--fast", action="store_true", help="high-performance preset, large request queues")
    ap.add_argument("--seed-mode", action="store_true", help="seed without checking the data first")
    ap.add_argument("--exit-on-finish", action="store_true")
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--trackers", action="store_true",
                    help="announce to every tracker and tier of the torrent, print tracker replies and "
                         "errors as events, and re-announce once finished before --exit-on-finish exits")
    ap.add_argument("--dht-bootstrap", action="append", default=[],
                    help="HOST:PORT: enable the DHT with only this bootstrap node (repeatable; "
                         "also read from LT_PEER_DHT_BOOTSTRAP, comma-separated). Default: DHT off")
    a = ap.parse_args()
    if bool(a.torrent) == bool(a.magnet):
        ap.error("give exactly one of --torrent and --magnet")
    dht_nodes = a.dht_bootstrap + [x for x in os.environ.get("LT_PEER_DHT_BOOTSTRAP", "").split(",") if x]

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
    if a.trackers:
        settings.update({
            "announce_to_all_trackers": True,
            "announce_to_all_tiers": True,
            "alert_mask": settings["alert_mask"] | lt.alert.category_t.tracker_notification,
        })
    if dht_nodes:
        # A private DHT on loopback: every node is 127.0.0.1, so lift libtorrent's one-node-per-IP
        # rules, its "dark internet" filter, its preference for BEP 42-verified ids and its
        # per-IP packet-rate ban (5/s by default), which would otherwise block the shoal nodes.
        settings.update({
            "enable_dht": True,
            "dht_bootstrap_nodes": ",".join(dht_nodes),
            "dht_restrict_routing_ips": False,
            "dht_restrict_search_ips": False,
            "dht_ignore_dark_internet": False,
            "dht_prefer_verified_node_ids": False,
            "dht_enforce_node_id": False,
            "dht_block_ratelimit": 100000,
            "dht_upload_rate_limit": 1000000,
        })
    ses = lt.session(settings)

    if a.magnet:
        params = lt.parse_magnet_uri(a.magnet)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(a.torrent)
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
    have_metadata = not a.magnet
    last_dht_announce = 0.0
    while not stop.is_set():
        # libtorrent announces to the DHT every dht_announce_interval (15 min); in a test we
        # want it at once and again every few seconds until a peer shows up.
        if dht_nodes and time.time() - last_dht_announce > 3 and h.status().num_peers == 0:
            last_dht_announce = time.time()
            h.force_dht_announce()
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.torrent_error_alert) or isinstance(alert, lt.file_error_alert):
                emit(event="error", message=alert.message())
            elif a.trackers and isinstance(alert, (lt.tracker_error_alert, lt.tracker_warning_alert)):
                emit(event="tracker", message=alert.message())
            elif a.trackers and isinstance(alert, lt.tracker_reply_alert):
                emit(event="tracker-reply", peers=alert.num_peers)
        s = h.status()
        if not have_metadata and s.has_metadata:
            have_metadata = True
            raw = h.torrent_file().metadata()
            if a.save_torrent:
                with open(a.save_torrent, "wb") as f:
                    f.write(b"d4:info" + raw + b"e")
            emit(event="metadata", size=len(raw), seconds=time.time() - started)
        extra = {}
        if dht_nodes:
            try:
                extra["dht_nodes"] = ses.status().dht_nodes
            except Exception:
                pass
        emit(event="progress", state=str(s.state), progress=s.progress, down=s.download_rate,
             up=s.upload_rate, peers=s.num_peers, done=s.total_done, uploaded=s.all_time_upload, **extra)
        if not finished and s.is_seeding and a.mode == "leech":
            finished = True
            emit(event="finished", seconds=time.time() - started)
            if a.exit_on_finish:
                if a.trackers:
                    # Make sure the trackers heard about the completion before we leave.
                    h.force_reannounce()
                    stop.wait(0.5)
                break
        stop.wait(a.interval)
    ses.pause()
    emit(event="exit")


if __name__ == "__main__":
    main()
