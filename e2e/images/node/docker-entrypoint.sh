#!/bin/sh
# Entrypoint of the node stand-in image, same contract as the official
# node image's docker-entrypoint.sh (written from its documented behaviour):
# run `node "$@"` when the first argument is an option (-e, --version, ...),
# is not a command on PATH, or is a non-executable file; otherwise exec it.
set -e
first=${1-}
case $first in
  -*) set -- node "$@" ;;
  *)
    if ! command -v "$first" >/dev/null 2>&1 || { [ -f "$first" ] && [ ! -x "$first" ]; }; then
      set -- node "$@"
    fi
    ;;
esac
exec "$@"
