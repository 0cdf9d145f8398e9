# tests/topo/two-site.sh: the two-site topology shared by the baseline and
# the scenarios. Sourced after lib.sh. Defines the addressing plan below and
# two_site_topology, which builds the namespaces (no daemons).
#
#   hub-lan(10.1.0.10) -- hub ==wan0== inet ==wan0== a -- a-lan(10.2.0.10)
#   tunnel 1: 192.0.2.1 <-> 198.51.100.1, ipsec2, 169.254.10.1/30 <-> .2
#   tunnel 2: 192.0.2.2 <-> 198.51.100.2, ipsec3, 169.254.11.1/30 <-> .2

HUB_ASN=64512 A_ASN=65001
HUB_LAN=10.1.0.0/16 A_LAN=10.2.0.0/16
HUB_HOST=10.1.0.10 A_HOST=10.2.0.10
HUB_OUT1=192.0.2.1 HUB_OUT2=192.0.2.2
A_OUT1=198.51.100.1 A_OUT2=198.51.100.2
T1_IF=2 T2_IF=3
T1_REQID=100 T2_REQID=200
T1_HUB_IN=169.254.10.1 T1_A_IN=169.254.10.2
T2_HUB_IN=169.254.11.1 T2_A_IN=169.254.11.2

# two_site_topology: namespaces inet, hub, hub-lan, a, a-lan and their links.
two_site_topology() {
	topo_internet
	topo_site hub 1
	topo_site a 2
	topo_outside hub "$HUB_OUT1" "$HUB_OUT2"
	topo_outside a "$A_OUT1" "$A_OUT2"
	log "topology up: $(topo_ns hub), $(topo_ns a), $(topo_ns inet) (+ -lan)"
}
