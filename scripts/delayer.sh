#!/usr/bin/env bash
# Builds the lab's packet delayer (scripts/delayer/main.go: standard library only, no cgo) with the machine's Go into
# the cache outside the repository: $KUBEHA_CACHE (default /var/cache/kubeha)/delayer-<first 16 hex of the source's
# sha256>/delayer. Prints that path on stdout. kubeha calls it (src/lab/delayer.ts) the first time a lab `delay` fault
# needs it on a kernel without netem. Exit codes: 0 built or cached; 5 no Go toolchain; anything else: the build failed.
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)/delayer/main.go"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
CACHE=${KUBEHA_CACHE:-/var/cache/kubeha}
hash=$(sha256sum "$SRC" | cut -c1-16)
out="$CACHE/delayer-$hash"
if [ -x "$out/delayer" ]; then echo "$out/delayer"; exit 0; fi
if ! [ -x "$GO" ]; then echo "delayer: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)" >&2; exit 5; fi
mkdir -p "$CACHE"
exec 9>"$CACHE/.delayer-build.lock"
flock 9
if [ -x "$out/delayer" ]; then echo "$out/delayer"; exit 0; fi
work=$(mktemp -d); trap 'rm -rf "$work" "$out.tmp.$$"' EXIT
cp "$SRC" "$work/main.go"
( cd "$work" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= GOCACHE="$CACHE/.delayer-gocache" "$GO" mod init kubeha.local/delayer >/dev/null 2>&1 &&
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= GOCACHE="$CACHE/.delayer-gocache" "$GO" build -trimpath -ldflags '-s -w' -o delayer . )
mkdir -p "$out.tmp.$$"
mv "$work/delayer" "$out.tmp.$$/delayer"
rm -rf "$out"
mv "$out.tmp.$$" "$out"
echo "$out/delayer"
