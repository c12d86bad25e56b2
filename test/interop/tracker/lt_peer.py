#!/usr/bin/python3
# A libtorrent peer for shoal's tracker interop tests.
# usage: lt_peer.py seed|leech TORRENT SAVE_DIR LISTEN_PORT
# Prints "listening", then "finished" when the download completes (leech) and exits 0;
# a seeder runs until killed. Settings per REFERENCE-CLIENTS.md: no DHT/LSD/UPnP/NAT-PMP/uTP.
import sys, time
import libtorrent as lt

mode, torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
settings = {
    'listen_interfaces': '127.0.0.1:%d' % port,
    'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'enable_incoming_utp': False, 'enable_outgoing_utp': False,
    'allow_multiple_connections_per_ip': True,
    'announce_to_all_trackers': True, 'announce_to_all_tiers': True,
    'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification | lt.alert.category_t.tracker_notification,
}
ses = lt.session(settings)
params = lt.add_torrent_params()
params.ti = lt.torrent_info(torrent)
params.save_path = save
if mode == 'seed':
    params.flags |= lt.torrent_flags.seed_mode
h = ses.add_torrent(params)
print('listening', flush=True)
deadline = time.time() + 120
while time.time() < deadline:
    for a in ses.pop_alerts():
        if isinstance(a, (lt.tracker_error_alert, lt.tracker_warning_alert)):
            print('tracker:', a.message(), flush=True)
        if isinstance(a, lt.tracker_reply_alert):
            print('tracker reply:', a.num_peers, 'peers', flush=True)
    s = h.status()
    if mode == 'leech' and s.is_seeding:
        print('finished', flush=True)
        h.force_reannounce()
        time.sleep(0.5)
        sys.exit(0)
    time.sleep(0.1)
sys.exit(3)
