#!/usr/bin/env bash
# Run podman with the e2e configuration written by e2e/setup.sh (runc,
# cgroupfs, lowered ulimits, storage under $E2E_CACHE, docker.io blocked).
#   e2e/podman.sh build --pull=never -t app:test <dir>
#   e2e/podman.sh run --rm --device /dev/net/tun --cap-add NET_ADMIN ...
set -euo pipefail
E2E_CACHE=${E2E_CACHE:-/var/cache/paperclip-fly-e2e}
env_file=$E2E_CACHE/podman-env.sh
[[ -f $env_file ]] || { echo "e2e/podman.sh: $env_file missing; run e2e/setup.sh first" >&2; exit 1; }
# shellcheck source=/dev/null
source "$env_file"
exec podman "$@"
