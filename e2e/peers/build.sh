#!/usr/bin/env bash
# e2e/peers/build.sh: the real programs the tests talk to, built from the Go module proxy at pinned releases.
#
#   e2e/peers/build.sh [tailscale] [headscale] [flyctl]     # default: tailscale headscale
#
# Prints one `name=/absolute/path` line per binary on stdout (progress goes to stderr):
#   tailscale   tailscaled, tailscale  at the tag the generator pins (generators/lib/versions.ts tailscaleImage),
#               built as the official image builds them: CGO_ENABLED=0, -trimpath, the image's build tags and
#               version stamps, so `tailscale version` prints what the official binary prints
#   headscale   headscale, the control server (a release whose capability versions include the pinned client)
#   flyctl      flyctl
# Each build is cached in $PEERS_CACHE (default /var/cache/paperclip-fly-peers) under a key made of the
# module@version, the Go version and a hash of the build recipe: a warm run only checks that the binaries exist.
# Needs Go (>= the modules' go lines: 1.26.4 for headscale) and the Go module proxy. Idempotent; parallel
# callers wait for each other per peer.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

# headscale v0.29.2: capver table has "v1.94": 131 and MinSupportedCapabilityVersion 113 (v1.80), so it serves the
# pinned client (hscontrol/capver/capver_generated.go); go 1.26.4, no replace directives, so `go install @v` works.
HEADSCALE_VERSION=v0.29.2
# flyctl v0.4.78 is the first release without replace directives (so go-installable); v0.4.87 is the newest.
FLYCTL_VERSION=v0.4.87
# Commits of the tailscale tags we may be asked for (the module proxy does not say; read from the tag).
declare -A TAILSCALE_COMMITS=([v1.94.2]=2de4d317a8c2595904f1563ebd98fdcf843da275)

t0=$SECONDS
log() { printf '[peers +%3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }
die() { printf '[peers] ERROR: %s\n' "$*" >&2; exit 1; }

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || die "Go is not installed (looked for go on PATH and /usr/local/go/bin/go); the test peers are built from the Go module proxy"
GO_VERSION=$("$GO" env GOVERSION)

default_cache() {
  if mkdir -p /var/cache/paperclip-fly-peers 2>/dev/null && [[ -w /var/cache/paperclip-fly-peers ]]; then
    echo /var/cache/paperclip-fly-peers
  else
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/paperclip-fly-peers"
  fi
}
PEERS_CACHE=${PEERS_CACHE:-$(default_cache)}
mkdir -p "$PEERS_CACHE"

# The tailscale tag the generated Dockerfile copies its binaries from.
pinned_tailscale() {
  local tag
  tag=$(sed -n "s/^ *tailscaleImage: '\(v[0-9][0-9.]*\)',.*/\1/p" "$ROOT/generators/lib/versions.ts")
  [[ -n $tag ]] || die "no tailscaleImage: 'vX.Y.Z' line in generators/lib/versions.ts"
  printf '%s\n' "$tag"
}

# build <name> <version> <binaries (space-separated)> <go install arguments...>
# Installs into a fresh directory and moves it into place only when every binary is there and static.
# With BUILD_MODULE set, go runs in that folder (a main module of our own) instead of installing pkg@version.
build() {
  local name=$1 version=$2 binaries=$3
  shift 3
  local key dir tmp bin started
  key=$(printf '%s\n' "$GO_VERSION" "$@" | sha256sum | cut -c1-12)
  dir=$PEERS_CACHE/$name-$version-$GO_VERSION-$key
  exec {lock}>"$PEERS_CACHE/.$name.lock"
  flock "$lock"
  if [[ ! -f $dir/.complete ]]; then
    log "$name $version: building with $GO_VERSION (cold: minutes)"
    started=$SECONDS
    tmp=$(mktemp -d "$PEERS_CACHE/.$name.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    if ! (cd "${BUILD_MODULE:-.}" && GOBIN=$tmp CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false ${BUILD_MODULE:+-mod=mod}" \
      "$GO" install "$@") 2>"$tmp/.build.log"; then
      # A registry's refusal is final; say which module it refused rather than showing the whole log.
      if grep -q '403 Forbidden' "$tmp/.build.log"; then
        die "$name $version: the Go module proxy refuses it: $(grep -m1 -o 'reading [^ ]*: 403 Forbidden' "$tmp/.build.log")"
      fi
      die "$name $version: go install failed:"$'\n'"$(tail -n 20 "$tmp/.build.log")"
    fi
    for bin in $binaries; do
      [[ -x $tmp/$bin ]] || die "$name $version: go install did not produce $bin"
      # The binary is copied into other images, so it must not need this machine's libc.
      "$GO" version -m "$tmp/$bin" | grep -q 'CGO_ENABLED=0' || die "$name: $bin is not a static (CGO_ENABLED=0) build"
    done
    rm -f "$tmp/.build.log"
    touch "$tmp/.complete"
    rm -rf "$dir" && mv "$tmp" "$dir"
    trap - EXIT
    # Older builds of this peer (another version or Go) are not needed any more.
    find "$PEERS_CACHE" -mindepth 1 -maxdepth 1 -type d -name "$name-*" ! -path "$dir" -exec rm -rf {} +
    log "$name $version: built in $((SECONDS - started)) s"
  fi
  exec {lock}>&-
  for bin in $binaries; do printf '%s=%s\n' "$bin" "$dir/$bin"; done
}

build_tailscale() {
  local tag version commit
  tag=$(pinned_tailscale)
  version=${tag#v}
  commit=${TAILSCALE_COMMITS[$tag]:-}
  [[ -n $commit ]] || die "no commit known for tailscale $tag: add it to TAILSCALE_COMMITS in $0 (git rev-parse $tag in tailscale/tailscale)"
  # The stamps and tags of the official image (build_docker.sh, mkctr): long version = short + "-t" + 9 hex.
  build tailscale "$tag" "tailscaled tailscale" -trimpath -tags ts_kube,ts_package_container \
    -ldflags "-X tailscale.com/version.longStamp=$version-t${commit:0:9} -X tailscale.com/version.shortStamp=$version -X tailscale.com/version.gitCommitStamp=$commit" \
    "tailscale.com/cmd/tailscaled@$tag" "tailscale.com/cmd/tailscale@$tag"
}

# `go install ...@v0.29.2` asks the proxy for headscale's version list (to look for a deprecation notice), which the
# proxy here refuses; so headscale is built as the one requirement of a main module of our own. Its dependencies are
# then exactly those of its go.mod (it has no replace directives to lose), and the binary's build info still names
# headscale's module and version (`headscale version` prints it), which is checked below.
build_headscale() {
  local module=$PEERS_CACHE/.headscale-module
  mkdir -p "$module"
  printf 'module paperclip-fly-peers/headscale\n\ngo 1.26.4\n\nrequire github.com/juanfont/headscale %s\n' "$HEADSCALE_VERSION" >"$module/go.mod.new"
  cmp -s "$module/go.mod.new" "$module/go.mod" || { mv "$module/go.mod.new" "$module/go.mod"; rm -f "$module/go.sum"; }
  rm -f "$module/go.mod.new"
  local built
  built=$(BUILD_MODULE=$module build headscale "$HEADSCALE_VERSION" headscale -trimpath github.com/juanfont/headscale/cmd/headscale)
  "$GO" version -m "${built#headscale=}" | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/juanfont/headscale[[:space:]]+${HEADSCALE_VERSION}[[:space:]]" ||
    die "headscale: the binary was not built from github.com/juanfont/headscale $HEADSCALE_VERSION"
  printf '%s\n' "$built"
}

# The ldflags of flyctl's release build (.goreleaser.yml), so `flyctl version` names the release.
build_flyctl() {
  build flyctl "$FLYCTL_VERSION" flyctl -trimpath \
    -ldflags "-X github.com/superfly/flyctl/internal/buildinfo.buildVersion=${FLYCTL_VERSION#v}" \
    "github.com/superfly/flyctl@$FLYCTL_VERSION"
}

(($# > 0)) || set -- tailscale headscale
for peer in "$@"; do
  case $peer in
    tailscale | headscale | flyctl) "build_$peer" ;;
    *) die "unknown peer '$peer' (tailscale, headscale, flyctl)" ;;
  esac
done
