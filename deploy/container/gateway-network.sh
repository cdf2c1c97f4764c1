#!/usr/bin/env bash
# The network users' gateway containers live on, and the firewall that leaves them exactly one
# destination: the model proxy's listener on this host. Needs root (Podman's network, nftables).
#
#   deploy/container/gateway-network.sh up      create the network (if missing) and (re)load its rules
#   deploy/container/gateway-network.sh down    remove the rules and the network (containers first)
#   deploy/container/gateway-network.sh rules   print the nftables rules `up` loads (nothing changes)
#   deploy/container/gateway-network.sh check   exit 0 when the network and its rules are in place
#
# Settings (environment), with their defaults:
#   LINGXI_GATEWAY_NETWORK=lingxi-gateways     Podman/Docker network name
#   LINGXI_GATEWAY_SUBNET=10.89.60.0/24        its subnet; the host is .1 on it
#   LINGXI_MODEL_PROXY_PORT=8086               the one port containers may reach, on the host's .1
#   LINGXI_CONTAINER_CLI=podman                podman, or docker for a host whose engine is Docker's
#                                              (its bridge is then named lxgw-<first 8 of the name>)
#
# What the rules do (tables inet and bridge lingxi_<network>, on the bridge Podman made for it):
#   - from the bridge into this host: only TCP to <host .1>:<model proxy port> (and the replies of
#     connections the host opened, which is how instance-service talks to gateways); every other
#     port and address of the host (the services, PostgreSQL, Redis, SSH, the other interfaces'
#     addresses) is dropped;
#   - from the bridge to anywhere else (the internet, the node's network, 169.254.0.0/16 where
#     clouds serve instance metadata, named on its own rule): dropped, nothing is routed;
#   - between two containers on the bridge: dropped (one user's gateway cannot reach another's), in
#     the bridge family by subnet (this kernel's nftables cannot match a bridge by name there) and,
#     where br_netfilter passes bridged packets to the forward hook, by the forward rules too. The
#     container runtime turns IPv6 off inside every gateway, so IPv4 is all there is to filter.
# The network is created without DNS (no resolver on the bridge to talk to).
set -euo pipefail

NETWORK="${LINGXI_GATEWAY_NETWORK:-lingxi-gateways}"
SUBNET="${LINGXI_GATEWAY_SUBNET:-10.89.60.0/24}"
PROXY_PORT="${LINGXI_MODEL_PROXY_PORT:-8086}"
TABLE="lingxi_${NETWORK//[^a-zA-Z0-9_]/_}"

# The host's address on the subnet: its first address (x.y.z.1 for a /24).
host_address() {
  local base=${SUBNET%/*}
  echo "${base%.*}.$(( ${base##*.} + 1 ))"
}
HOST_IP=$(host_address)

CLI="${LINGXI_CONTAINER_CLI:-podman}"
engine_cli() {
  if [ "$CLI" = podman ]; then podman --runtime runc "$@"; else "$CLI" "$@"; fi
}
DOCKER_BRIDGE="lxgw-$(printf '%s' "$NETWORK" | sha256sum | cut -c1-8)"

# The bridge interface Podman gave the network (podman0, podman1, ...).
bridge() {
  if [ "$CLI" = docker ]; then echo "$DOCKER_BRIDGE"; return; fi
  engine_cli network inspect --format '{{ .NetworkInterface }}' "$NETWORK" 2>/dev/null || echo "<bridge of $NETWORK>"
}

rules() {
  local BRIDGE; BRIDGE=$(bridge)
  cat <<EOF
table inet $TABLE {
	chain input {
		type filter hook input priority filter - 10; policy accept;
		iifname "$BRIDGE" ct state established,related accept
		iifname "$BRIDGE" ip daddr $HOST_IP tcp dport $PROXY_PORT ct state new accept
		iifname "$BRIDGE" counter drop comment "gateways reach no other port or address of this host"
	}
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		iifname "$BRIDGE" ip daddr 169.254.0.0/16 counter drop comment "no cloud metadata service"
		iifname "$BRIDGE" counter drop comment "nothing is routed out of the gateways' network"
		oifname "$BRIDGE" ct state new counter drop comment "nothing is routed into it"
	}
}
table bridge $TABLE {
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		ether type ip ip saddr $SUBNET ip daddr $SUBNET counter drop comment "no gateway reaches another"
	}
}
EOF
}

network_exists() { engine_cli network inspect "$NETWORK" >/dev/null 2>&1; }

up() {
  command -v nft >/dev/null || { echo "nft is missing (apt-get install nftables)" >&2; exit 1; }
  if ! network_exists; then
    if [ "$CLI" = docker ]; then
      # Docker's user-defined networks have no resolver to turn off; the firewall drops port 53.
      engine_cli network create --driver bridge --subnet "$SUBNET" --gateway "$HOST_IP" \
        -o "com.docker.network.bridge.name=$DOCKER_BRIDGE" --label cloud.lingxi.network=gateways "$NETWORK" >/dev/null
    else
      engine_cli network create --driver bridge --subnet "$SUBNET" --gateway "$HOST_IP" \
        --disable-dns --label cloud.lingxi.network=gateways "$NETWORK" >/dev/null
    fi
  fi
  local actual
  if [ "$CLI" = docker ]; then
    actual=$(engine_cli network inspect --format '{{ range .IPAM.Config }}{{ .Subnet }}{{ end }}' "$NETWORK")
  else
    actual=$(engine_cli network inspect --format '{{ range .Subnets }}{{ .Subnet }}{{ end }}' "$NETWORK")
  fi
  [ "$actual" = "$SUBNET" ] \
    || { echo "network $NETWORK exists with subnet '$actual', not '$SUBNET': remove it or change the settings" >&2; exit 1; }
  # Replace both tables in one transaction: there is no moment without rules.
  { for family in inet bridge; do
      nft list table "$family" "$TABLE" >/dev/null 2>&1 && echo "delete table $family $TABLE"
    done
    rules; } | nft -f -
}

down() {
  local family
  for family in inet bridge; do nft delete table "$family" "$TABLE" 2>/dev/null || true; done
  if network_exists; then engine_cli network rm "$NETWORK" >/dev/null; fi
}

check() {
  network_exists || { echo "network $NETWORK is missing" >&2; return 1; }
  nft list table inet "$TABLE" >/dev/null 2>&1 && nft list table bridge "$TABLE" >/dev/null 2>&1 \
    || { echo "the firewall rules of $NETWORK are missing (table $TABLE)" >&2; return 1; }
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  rules) rules ;;
  check) check ;;
  address) echo "$HOST_IP" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
