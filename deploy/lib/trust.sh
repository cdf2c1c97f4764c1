#!/usr/bin/env bash
# The platform's own credentials on one machine (sourced by ./lingxi and the benchmarks).
#
# Every platform identity (the six services and the operator's command line) has an Ed25519
# key pair; the gateway has a master key from which each service's edge key is derived. All of
# it lives in one folder (var/trust, mode 700) and is made once, with openssl. A service gets
# only its own private key and edge key in its environment (trust_service_env), never the
# others'. Formats and the reasons for them: docs/security.md.

TRUST_IDENTITIES=(gateway-service user-service instance-service agent-service billing-service config-service lingxi-operator)

_b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# trust_init <dir>: make whatever key is missing.
trust_init() {
  local dir=$1 name
  command -v openssl >/dev/null || { echo "openssl is needed to make the platform's keys" >&2; return 1; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  for name in "${TRUST_IDENTITIES[@]}"; do
    if [ ! -s "$dir/$name.key" ]; then
      (umask 077 && openssl genpkey -algorithm ed25519 -out "$dir/$name.key" 2>/dev/null) || return 1
      openssl pkey -in "$dir/$name.key" -pubout -outform DER 2>/dev/null | base64 -w0 > "$dir/$name.pub"
    fi
  done
  if [ ! -s "$dir/edge-master.key" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 -w0 > "$dir/edge-master.key")
  fi
}

# trust_peer_keys <dir>: every identity's public key, as lingxi.trust.peer-keys wants them.
trust_peer_keys() {
  local dir=$1 name out=""
  for name in "${TRUST_IDENTITIES[@]}"; do out+="$name:$(cat "$dir/$name.pub") "; done
  printf '%s' "${out% }"
}

# trust_edge_key <dir> <service>: HMAC-SHA256(master, "lingxi-edge-v1:<service>"), Base64.
trust_edge_key() {
  local dir=$1 service=$2 hex
  hex=$(base64 -d < "$dir/edge-master.key" | od -An -v -tx1 | tr -d ' \n')
  printf 'lingxi-edge-v1:%s' "$service" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" -binary | base64 -w0
}

# trust_service_env <dir> <service>: the environment (NAME=value lines) of one service.
trust_service_env() {
  local dir=$1 service=$2
  printf 'LINGXI_TRUST_SERVICE_KEY=%s\n' "$(openssl pkey -in "$dir/$service.key" -outform DER 2>/dev/null | base64 -w0)"
  printf 'LINGXI_TRUST_PEER_KEYS=%s\n' "$(trust_peer_keys "$dir")"
  printf 'LINGXI_TRUST_EDGE_KEY=%s\n' "$(trust_edge_key "$dir" "$service")"
  if [ "$service" = gateway-service ]; then
    printf 'LINGXI_TRUST_EDGE_MASTER_KEY=%s\n' "$(cat "$dir/edge-master.key")"
  fi
}

# trust_service_token <dir> <issuer> <audience> [ttl-seconds]: a service token, signed with
# the issuer's key (EdDSA compact JWS; see ServiceTokens.java).
trust_service_token() {
  local dir=$1 issuer=$2 audience=$3 ttl=${4:-60} now header payload input
  now=$(date +%s)
  header=$(printf '{"alg":"EdDSA","typ":"lingxi-service+jwt"}' | _b64url)
  payload=$(printf '{"iss":"%s","aud":"%s","iat":%d,"exp":%d,"jti":"%s"}' "$issuer" "$audience" "$now" \
    "$((now + ttl))" "$(head -c 12 /dev/urandom | _b64url)" | _b64url)
  input=$(mktemp)
  printf '%s.%s' "$header" "$payload" > "$input"
  printf '%s.%s.%s' "$header" "$payload" "$(openssl pkeyutl -sign -inkey "$dir/$issuer.key" -rawin -in "$input" | _b64url)"
  rm -f "$input"
}

# trust_edge_assertion <dir> <audience> <user-id or empty> [plan] [ttl-seconds]: an assertion
# as the gateway makes one (HS256 compact JWS; see EdgeAssertions.java). For benchmarks that
# call a service directly and for debugging; anyone holding var/trust can act as any user.
trust_edge_assertion() {
  local dir=$1 audience=$2 user=$3 plan=${4:-free} ttl=${5:-60} now header claims payload hex
  now=$(date +%s)
  header=$(printf '{"alg":"HS256","typ":"lingxi-edge+jwt"}' | _b64url)
  claims=$(printf '{"iss":"gateway-service","aud":"%s","iat":%d,"exp":%d,"rid":"%s","ip":"127.0.0.1"' \
    "$audience" "$now" "$((now + ttl))" "cli$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')")
  [ -z "$user" ] || claims+=$(printf ',"sub":"%s","plan":"%s"' "$user" "$plan")
  payload=$(printf '%s}' "$claims" | _b64url)
  hex=$(trust_edge_key "$dir" "$audience" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  printf '%s.%s.%s' "$header" "$payload" \
    "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" -binary | _b64url)"
}
