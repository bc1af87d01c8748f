#!/usr/bin/env bash
# e2e/verify.sh — check what e2e/setup.sh promises, with real containers:
#   1. node stand-in runs (node --version);
#   2. a `podman build --pull=never` FROM the stand-in reaches apt (installs
#      postgresql-17) and the npm registry, and COPY --from the tailscale
#      stand-in (real binaries, e2e/peers/build.sh) works;
#   3. `podman run --network none` with --device /dev/net/tun, NET_ADMIN and a
#      bind-mounted volume runs tailscaled in TUN mode (tailscale0) with its
#      state on the volume; without the device or the capability it fails;
#      the default bridge network reaches the registry at run time. Logging in
#      is the e2e suite's part (headscale in a namespace of its own).
# Leaves no containers; removes its test image. ~1-2 min (apt + npm).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$HERE/setup.sh" >/dev/null
P="$HERE/podman.sh"
E2E_CACHE=${E2E_CACHE:-/var/cache/paperclip-fly-e2e}
NODE_IMAGE=docker.io/library/node:24.21.0-trixie-slim
TEST_IMAGE=localhost/paperclip-fly-e2e/verify:latest
work=$(mktemp -d "$E2E_CACHE/verify.XXXXXX")
trap '"$P" rmi -f "$TEST_IMAGE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

t0=$SECONDS
step() { printf '[e2e/verify +%3ds] %s\n' "$((SECONDS - t0))" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "node --version in $NODE_IMAGE"
v=$("$P" run --rm "$NODE_IMAGE" node --version)
[[ $v == v24.21.0 ]] || fail "node --version: $v"

step "podman build FROM the stand-in (apt postgresql-17, npm registry, COPY --from the tailscale stand-in)"
mkdir -p "$work/ctx"
cat >"$work/ctx/Dockerfile" <<'EOF'
FROM docker.io/library/node:24.21.0-trixie-slim
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-17 \
 && /usr/lib/postgresql/17/bin/postgres --version
RUN npm view paperclipai version
COPY --from=docker.io/tailscale/tailscale:v1.94.2 /usr/local/bin/tailscaled /usr/local/bin/tailscale /usr/local/bin/
RUN tailscale version | head -1 && apt-get install -y --no-install-recommends iproute2
EOF
b0=$SECONDS
"$P" build --pull=never -t "$TEST_IMAGE" "$work/ctx" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "podman build"; }
grep -q 'postgres (PostgreSQL) 17' "$work/build.log" || fail "postgres 17 not installed"
grep -Eq '^20[0-9]{2}\.[0-9]+\.[0-9]+$' "$work/build.log" || fail "npm view paperclipai version printed no version"
step "  build took $((SECONDS - b0))s: $(grep -m1 'postgres (PostgreSQL)' "$work/build.log"), paperclipai $(grep -Em1 '^20[0-9]{2}\.' "$work/build.log")"

step "podman run --network none: --device /dev/net/tun + NET_ADMIN + volume, tailscaled in TUN mode"
mkdir -p "$work/vol"
# No network: tailscaled comes up logged out and never reaches for Tailscale's servers.
# shellcheck disable=SC2016 # the script runs in the container's sh
"$P" run --rm --network none --device /dev/net/tun --cap-add NET_ADMIN -v "$work/vol:/data" "$TEST_IMAGE" sh -ec '
  tailscaled --statedir=/data/tailscale --tun=tailscale0 2>/tmp/tailscaled.log &
  pid=$!
  i=0; until [ -S /var/run/tailscale/tailscaled.sock ]; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done
  i=0; until ip link show tailscale0 >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || exit 8; sleep 0.1; done
  i=0; until [ -e /data/tailscale/tailscaled.state ]; do i=$((i+1)); [ $i -lt 100 ] || exit 7; sleep 0.1; done
  tailscale version | head -1
  kill -TERM $pid; wait $pid || true
' >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; fail "TUN-mode run"; }
[[ $(head -1 "$work/run.log") == 1.94.2 ]] || fail "tailscale version: $(head -1 "$work/run.log")"
[[ -e $work/vol/tailscale/tailscaled.state ]] || fail "no state file on the volume"

step "podman run without --device, then without NET_ADMIN: tailscaled refuses TUN mode"
rc=0
"$P" run --rm --network none "$TEST_IMAGE" tailscaled --statedir=/tmp/ts --tun=tailscale0 >"$work/notun.log" 2>&1 || rc=$?
if [[ $rc == 0 ]] || ! grep -q '/dev/net/tun' "$work/notun.log"; then fail "no-tun: rc=$rc $(tail -3 "$work/notun.log")"; fi
rc=0
"$P" run --rm --network none --device /dev/net/tun "$TEST_IMAGE" tailscaled --statedir=/tmp/ts --tun=tailscale0 >"$work/nocap.log" 2>&1 || rc=$?
if [[ $rc == 0 ]] || ! grep -q 'operation not permitted' "$work/nocap.log"; then fail "no NET_ADMIN: rc=$rc $(tail -3 "$work/nocap.log")"; fi

step "podman run as node (uid 1000) on the default bridge network: npm registry reachable"
v=$("$P" run --rm --user node "$TEST_IMAGE" sh -c 'id -u; npm view paperclipai version' 2>/dev/null | tr '\n' ' ')
[[ $v =~ ^1000\ 20[0-9]{2}\. ]] || fail "run-time npm: $v"

[[ -z $("$P" ps -aq) ]] || fail "containers left behind"
step "OK"
