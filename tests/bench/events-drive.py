#!/usr/bin/env python3
"""events-drive.py: the measuring half of tests/bench/events.sh.

Injects tunnel DOWN/UP events and times, per event, how long until bgpd
shows the change (its 'acknowledgement'): the neighbor 'Idle (Admin)' in
'show bgp summary json' after a DOWN, not after an UP. bgpd is read over
ONE persistent vty connection (the protocol vtysh speaks: command, NUL;
reply, three NULs, a status byte), polled every --poll-ms, so the reading
costs bgpd little and the resolution is about one poll.

Two ways to make an event, same clock, same acknowledgement check:
  routerd  pluto's view first (the fake 'whack --showstates' file), then
           what pluto runs on a Child SA change: the updown hook program
           (routerd-updown), which sends one datagram to routerd
  script   the common updown-script approach: vtysh -c 'conf t'
           -c 'router bgp ASN' -c '[no ]neighbor IP shutdown' per event

Phases (each prints one JSON line on stdout):
  single   2N events one at a time: DOWN k, wait for bgpd, UP k, wait
  stream   ROUNDS x (N DOWN events back to back as pluto would run them,
           one hook program after the other; then N UP): events/s over
           the time from a phase's first event to bgpd showing its last,
           and every event's latency
  burst    (routerd only) N DOWN datagrams at once straight on the hook
           socket, then N UP: time until bgpd shows all of them
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time


def now_ms():
    return time.monotonic_ns() / 1e6


def tname(k):
    return "rd-c%d-t%d" % (k // 2, k % 2 + 1)


def tpeer(k):
    a = 2048 + 4 * k + 2
    return "169.254.%d.%d" % (a // 256, a % 256)


class Vty:
    """One persistent connection to a daemon's vty socket."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\0")
        while True:
            i = self.buf.find(b"\0\0\0")
            if i >= 0 and len(self.buf) > i + 3:
                out, status = self.buf[:i], self.buf[i + 3]
                self.buf = self.buf[i + 4:]
                return status, out.decode(errors="replace")
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError("vty closed")
            self.buf += d


class Watcher(threading.Thread):
    """Polls bgpd; records when each neighbor first shows the wanted state."""

    def __init__(self, vty_path, poll_ms):
        super().__init__(daemon=True)
        self.vty = Vty(vty_path)
        self.poll = poll_ms / 1000.0
        self.lock = threading.Lock()
        self.want = {}          # peer -> (admin_down wanted, t_inject)
        self.acked = {}         # peer -> t_ack
        self.polls = 0
        self.poll_cost = []
        self.stop = False

    def admin(self):
        _, out = self.vty.cmd("show bgp summary json")
        peers = json.loads(out).get("ipv4Unicast", {}).get("peers", {})
        return {p: v.get("state") == "Idle (Admin)" for p, v in peers.items()}

    def expect(self, peer, down):
        with self.lock:
            self.want[peer] = down
            self.acked.pop(peer, None)

    def run(self):
        while not self.stop:
            t0 = now_ms()
            st = self.admin()
            t1 = now_ms()
            self.polls += 1
            self.poll_cost.append(t1 - t0)
            with self.lock:
                for p, down in list(self.want.items()):
                    if st.get(p) == down:
                        self.acked[p] = t1
                        del self.want[p]
            time.sleep(self.poll)

    def wait(self, peers, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if all(p in self.acked for p in peers):
                    return {p: self.acked[p] for p in peers}
            time.sleep(0.0005)
        with self.lock:
            missing = [p for p in peers if p not in self.acked]
        raise TimeoutError("%d of %d neighbors never showed the change (first %s)"
                           % (len(missing), len(peers), missing[0]))


class Driver:
    def __init__(self, a):
        self.a = a
        self.up = [True] * a.ntun
        self.dropped = 0

    def write_state(self):
        """What 'whack --showstates' shows (lib.sh bench_swan_state's format)."""
        lines, n = [], 1
        for k in range(self.a.ntun):
            if not self.up[k]:
                continue
            c = tname(k)
            lines.append('000 #%d: "%s":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); '
                         'REKEY in 28000s\n' % (n, c))
            lines.append('000 #%d: "%s":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); '
                         'REKEY in 3000s\n' % (n + 1, c))
            n += 2
        tmp = self.a.state + ".tmp"
        with open(tmp, "w") as f:
            f.write("".join(lines))
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.a.state)

    def event(self, k, down):
        """One event the way the chosen approach handles it; returns t_inject."""
        if self.a.mode == "routerd":
            self.up[k] = not down
            self.write_state()
            env = dict(os.environ, PLUTO_VERB="down-client" if down else "up-client",
                       PLUTO_CONNECTION=tname(k), PLUTO_SA_REQID=str(10 + k))
            t0 = now_ms()
            r = subprocess.run([self.a.updown, "--socket", self.a.hook], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if b"dropped" in r.stderr:
                self.dropped += 1
            return t0
        t0 = now_ms()
        subprocess.run(["vtysh", "--vty_socket", self.a.frr, "-c", "conf t",
                        "-c", "router bgp %d" % self.a.asn,
                        "-c", "%sneighbor %s shutdown" % ("" if down else "no ", tpeer(k))],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return t0

    def datagram(self, k, down):
        return ("VERSION=1\nVERB=%s\nCONNECTION=%s\nREQID=%d\nEND=OK\n"
                % ("down-client" if down else "up-client", tname(k), 10 + k)).encode()


def pct(v, p):
    if not v:
        return None
    v = sorted(v)
    r = max(1, int(p / 100.0 * len(v) + 0.999999))
    return round(v[r - 1], 1)


def stats(v):
    return {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99), "max": pct(v, 100),
            "min": round(min(v), 1) if v else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["routerd", "script"], required=True)
    ap.add_argument("--frr", required=True, help="FRR vty socket dir (bgpd.vty)")
    ap.add_argument("--hook", help="routerd's hook socket")
    ap.add_argument("--updown", help="routerd-updown")
    ap.add_argument("--state", help="fake-ipsec status file")
    ap.add_argument("--ntun", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--asn", type=int, default=64512)
    ap.add_argument("--poll-ms", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--phases", default="single,stream,burst")
    ap.add_argument("--mark", help="file to append phase markers to (routerd log)")
    a = ap.parse_args()
    d = Driver(a)
    w = Watcher(os.path.join(a.frr, "bgpd.vty"), a.poll_ms)
    w.start()
    peers = [tpeer(k) for k in range(a.ntun)]
    # start from every neighbor enabled
    for p in peers:
        w.expect(p, False)
    w.wait(peers, a.timeout)

    def mark(s):
        if a.mark:
            with open(a.mark, "a") as f:
                f.write("%d %s\n" % (time.time() * 1000, s))

    def emit(phase, **kw):
        kw.update(phase=phase, mode=a.mode, ntun=a.ntun, dropped=d.dropped,
                  poll=stats(w.poll_cost[-2000:]))
        print(json.dumps(kw), flush=True)

    phases = a.phases.split(",")
    if "single" in phases:
        mark("single start")
        lat = []
        for k in range(a.ntun):
            for down in (True, False):
                w.expect(peers[k], down)
                t0 = d.event(k, down)
                lat.append(w.wait([peers[k]], a.timeout)[peers[k]] - t0)
        mark("single end")
        emit("single", lat=stats(lat))
    if "stream" in phases:
        mark("stream start")
        lat, busy, inj = [], 0.0, []
        for r in range(a.rounds):
            for down in (True, False):
                t_first = None
                t0s = {}
                for k in range(a.ntun):
                    w.expect(peers[k], down)
                    t0s[peers[k]] = d.event(k, down)
                    t_first = t_first or t0s[peers[k]]
                t_inj_end = now_ms()
                acks = w.wait(peers, a.timeout)
                lat += [acks[p] - t0s[p] for p in peers]
                busy += max(acks.values()) - t_first
                inj.append(t_inj_end - t_first)
        mark("stream end")
        emit("stream", events=len(lat), seconds=round(busy / 1000, 3),
             events_per_s=round(len(lat) / (busy / 1000), 1), lat=stats(lat),
             inject_ms_per_phase=stats(inj))
    if "burst" in phases and a.mode == "routerd":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        res = {}
        for down in (True, False):
            for k in range(a.ntun):
                d.up[k] = not down
            d.write_state()
            for p in peers:
                w.expect(p, down)
            msgs = [d.datagram(k, down) for k in range(a.ntun)]
            mark("burst %s start" % ("down" if down else "up"))
            t0 = now_ms()
            sent = 0
            for m in msgs:
                try:
                    s.sendto(m, a.hook)      # blocks while routerd's queue is full
                    sent += 1
                except BlockingIOError:
                    pass
            t_sent = now_ms()
            acks = w.wait(peers, a.timeout)
            mark("burst %s end" % ("down" if down else "up"))
            res["down" if down else "up"] = {
                "all_ms": round(max(acks.values()) - t0, 1),
                "send_ms": round(t_sent - t0, 1), "sent": sent,
                "lat": stats([acks[p] - t0 for p in peers])}
        emit("burst", **res)
    w.stop = True


if __name__ == "__main__":
    sys.exit(main())
