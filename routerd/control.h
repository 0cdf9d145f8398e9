/*
 * control.h - the control socket protocol between routerd and routerctl.
 *
 * Transport: a SOCK_STREAM unix socket (default RUNSTATEDIR/routerd/routerd.sock,
 * mode 0660, group RD_VIEW_GROUP, else RD_ADMIN_GROUP, when it exists);
 * routerd checks each client's credentials with SO_PEERCRED and
 * SO_PEERGROUPS: uid 0, routerd's own uid and members of RD_ADMIN_GROUP may
 * run every command; members of RD_VIEW_GROUP only "show" (others get
 * "permission denied"); anyone else is closed at once.
 * One request per connection: the client writes one JSON object followed by
 * '\n'; routerd answers one JSON object followed by '\n' and closes. The
 * limits (request size, deadlines, clients at once) are in ctlsrv.h.
 *
 * Requests:
 *   {"command":"show"}                          all connections
 *   {"command":"show","connection":"NAME"}      one connection
 *   {"command":"drain","tunnel":"CONN/TUN"}     steer traffic away from a tunnel
 *   {"command":"undrain","tunnel":"CONN/TUN"}
 *   {"command":"reload"}                        same as SIGHUP
 *
 * Every reply has "ok": true|false; on false, "error": "text".
 * "show" replies (stable keys; times both as ISO 8601 UTC and as numbers):
 * {
 *   "ok": true,
 *   "gateway": {"asn": 64512, "router_id": "192.0.2.1", "hub": false},
 *   "connections": [ {
 *     "name": "hq-branch", "peer": "branch", "peer_address": "198.51.100.1",
 *     "peer_asn": 65001, "routing": "dynamic"|"static",
 *     "mode": "active-standby"|"active-active",
 *     "status": "UP"|"DEGRADED"|"DOWN", "reason": "text",
 *     "tunnels": [ {
 *       "name": "tun1", "ifnum": 10, "interface": "ipsec10",
 *       "outside_local": "192.0.2.1", "outside_remote": "198.51.100.1",
 *       "inside_local": "169.254.10.1", "inside_remote": "169.254.10.2",
 *       "inside_cidr": "169.254.10.0/30",
 *       "state": "UP"|"DOWN", "since": "2026-11-27T12:00:00Z",
 *       "since_sec": 1795780800, "last_change_age_sec": 12, "reason": "text",
 *       "ike_up": true, "child_up": true, "bgp_up": true, "health_ok": true,
 *       "drained": false, "hold_down": false, "preferred": true,
 *       "usable": true, "rejecting": false, "steering": false,
 *       "med": 100, "prepend": 0, "neighbor_enabled": true,
 *       "accepted_routes": 3, "advertised_routes": 2,
 *       "bytes_in": 123, "bytes_out": 456
 *     } ]
 *   } ],
 *   "counters": {"control": {"clients": 1, "accepted": 9, "refused": 0,
 *                "busy": 0, "bad_requests": 0, "timeouts": 0, "denied": 0},
 *                "hook": {"accepted": 4, "rejected": 0, "malformed": 0,
 *                "unknown_tunnel": 0}}
 *   (control: clients now, and since the start: admitted, refused for their
 *   credentials, turned away over the client limit, bad requests, deadlines
 *   passed, commands denied to read-only clients; hook: updown datagrams
 *   taken, from another uid, not a hook message, for no routerd tunnel)
 * }
 * Empty lists are [] , never absent.
 */
#ifndef ROUTERD_CONTROL_H
#define ROUTERD_CONTROL_H

#define RD_CONTROL_SOCK RUNSTATEDIR "/routerd/routerd.sock"
#define RD_ADMIN_GROUP "routerd-admin"
/* Read-only clients: the group named like routerd's user (the user group
 * useradd makes), which also owns routerd's run directory (mode 0750). */
#define RD_VIEW_GROUP ROUTERD_USER

#endif
