#!/usr/bin/env bash
# e2e/verify.sh — check what e2e/setup.sh promises, with real containers:
#   1. node stand-in runs (node --version);
#   2. a `podman build --pull=never` FROM the stand-in reaches apt (installs
#      postgresql-17) and the npm registry, and COPY --from the FAKE
#      tailscale image works;
#   3. `podman run` with --device /dev/net/tun, NET_ADMIN and a bind-mounted
#      volume runs the FAKE tailscaled in TUN mode with its state on the
#      volume; without the device (or the capability) it fails like the real
#      one; the default bridge network reaches the registry at run time.
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

step "podman build FROM the stand-in (apt postgresql-17, npm registry, COPY --from FAKE tailscale)"
mkdir -p "$work/ctx"
cat >"$work/ctx/Dockerfile" <<'EOF'
FROM docker.io/library/node:24.21.0-trixie-slim
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-17 \
 && /usr/lib/postgresql/17/bin/postgres --version
RUN npm view paperclipai version
COPY --from=docker.io/tailscale/tailscale:v1.94.2 /usr/local/bin/tailscaled /usr/local/bin/tailscale /usr/local/bin/
RUN tailscale version | head -1
EOF
b0=$SECONDS
"$P" build --pull=never -t "$TEST_IMAGE" "$work/ctx" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "podman build"; }
grep -q 'postgres (PostgreSQL) 17' "$work/build.log" || fail "postgres 17 not installed"
grep -Eq '^20[0-9]{2}\.[0-9]+\.[0-9]+$' "$work/build.log" || fail "npm view paperclipai version printed no version"
step "  build took $((SECONDS - b0))s: $(grep -m1 'postgres (PostgreSQL)' "$work/build.log"), paperclipai $(grep -Em1 '^20[0-9]{2}\.' "$work/build.log")"

step "podman run: --device /dev/net/tun + NET_ADMIN + volume, FAKE tailscaled in TUN mode"
mkdir -p "$work/vol"
# shellcheck disable=SC2016 # the script runs in the container's sh
"$P" run --rm --device /dev/net/tun --cap-add NET_ADMIN -v "$work/vol:/data" "$TEST_IMAGE" sh -ec '
  tailscaled --statedir=/data/tailscale 2>/tmp/tailscaled.log &
  pid=$!
  i=0; until [ -S /var/run/tailscale/tailscaled.sock ]; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done
  tailscale up --auth-key=tskey-auth-verify --hostname=verify --accept-dns=false --timeout=30s
  tailscale serve --bg --https=443 http://127.0.0.1:3100 >/dev/null
  tailscale ip -4
  kill -TERM $pid; wait $pid
  [ ! -e /var/run/tailscale/tailscaled.sock ]
' >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; fail "TUN-mode run"; }
grep -q '"prog":"tailscaled","argv":\["--statedir=/data/tailscale"\]' "$work/vol/tailscale/FAKE-calls.log" ||
  fail "call log on the volume lacks tailscaled --statedir=/data/tailscale"
grep -q '"argv":\["serve","--bg","--https=443","http://127.0.0.1:3100"\]' "$work/vol/tailscale/FAKE-calls.log" ||
  fail "call log on the volume lacks the serve call"
[[ -s $work/vol/tailscale/tailscaled.state ]] || fail "no state file on the volume"

step "podman run without --device: FAKE tailscaled fails like the real one"
rc=0
"$P" run --rm "$TEST_IMAGE" tailscaled --statedir=/tmp/ts >"$work/notun.log" 2>&1 || rc=$?
if [[ $rc != 1 ]] || ! grep -q '/dev/net/tun does not exist' "$work/notun.log"; then fail "no-tun: rc=$rc $(cat "$work/notun.log")"; fi
rc=0
"$P" run --rm --device /dev/net/tun "$TEST_IMAGE" tailscaled --statedir=/tmp/ts >"$work/nocap.log" 2>&1 || rc=$?
if [[ $rc != 1 ]] || ! grep -q 'operation not permitted' "$work/nocap.log"; then fail "no NET_ADMIN: rc=$rc $(cat "$work/nocap.log")"; fi

step "podman run as node (uid 1000) on the default bridge network: npm registry reachable"
v=$("$P" run --rm --user node "$TEST_IMAGE" sh -c 'id -u; npm view paperclipai version' 2>/dev/null | tr '\n' ' ')
[[ $v =~ ^1000\ 20[0-9]{2}\. ]] || fail "run-time npm: $v"

[[ -z $("$P" ps -aq) ]] || fail "containers left behind"
step "OK"
