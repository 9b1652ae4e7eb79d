#!/usr/bin/env bash
# Builds the upstream Kubernetes control-plane binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kubeadm) and etcd + etcdctl from the Go module proxy, cached outside the repository under
# $KUBEHA_CACHE (default /var/cache/kubeha)/k8s-<version>-etcd-<version>-<go version>/bin.
# usage: scripts/k8s-binaries.sh [K8S_VERSION (default v1.37.2)] [ETCD_VERSION (default: kubeadm's DefaultEtcdVersion)]
# Prints the bin directory on stdout, progress on stderr. kubeha calls it (src/lab/k8s-binaries.ts) for `kubeha bundle`,
# `kubeha kubectl` and scripts/setup.sh. One build per version at a time (a lock in the cache; a second caller waits
# and then finds the result).
# Exit codes: 0 built or cached; 4 no such Kubernetes (or etcd) version on the Go module proxy; 5 no Go toolchain;
# anything else: the build failed.
#
# Why a generated module: `go install k8s.io/kubernetes/cmd/...@vX` is refused because k8s.io/kubernetes' go.mod has
# replace directives (its staging modules). A module that requires k8s.io/kubernetes and replaces each staging module
# (read from the `./staging/` lines of that go.mod) with its published v0.Y.Z builds. The version string is set with
# -X on k8s.io/component-base/version and k8s.io/client-go/pkg/version, so `kube-apiserver --version` prints it.
# Measured 2026-12-02 on 2 cores: v1.37.2 and etcd 3.7.0 build (kube-apiserver --version: Kubernetes v1.37.2); the
# seven binaries take 462 MB; at nice 19 beside other work the cold build took 98 min (a cold build on an idle 2-core machine was reported at about 10 min).
set -euo pipefail
K8S=${1:-v1.37.2}
ETCD=${2:-}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
CACHE=${KUBEHA_CACHE:-/var/cache/kubeha}
if ! [ -x "$GO" ]; then echo "k8s-binaries: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)" >&2; exit 5; fi
GOV=$("$GO" env GOVERSION)
mkdir -p "$CACHE"
exec 9>"$CACHE/.k8s-build-$K8S.lock"
if ! flock -n 9; then echo "k8s-binaries: another build of $K8S is under way; waiting for it" >&2; flock 9; fi
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
"$GO" mod init kubeha.local/k8sbuild >/dev/null 2>&1
echo "k8s-binaries: fetching k8s.io/kubernetes@$K8S from the Go module proxy" >&2
if ! meta=$("$GO" mod download -json "k8s.io/kubernetes@$K8S" 2>&1) || ! grep -q '"GoMod"' <<<"$meta"; then
  echo "k8s-binaries: k8s.io/kubernetes@$K8S cannot be downloaded: $(grep -o '"Error": "[^"]*"' <<<"$meta" | head -1)" >&2; exit 4
fi
gomod=$(sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p' <<<"$meta")
staging=${K8S/#v1./v0.}
{ echo "require k8s.io/kubernetes $K8S"; echo "replace ("
  sed -n 's#^\s*\(k8s.io/[^ ]*\) => \./staging/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
  echo ")"; } >> go.mod
if [ -z "$ETCD" ]; then
  dir=$(sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p' <<<"$meta")
  ETCD=v$(grep -o 'DefaultEtcdVersion = "[^"]*"' "$dir/cmd/kubeadm/app/constants/constants.go" | sed 's/.*"\(.*\)"/\1/' | sed 's/-.*//')
fi
out="$CACHE/k8s-$K8S-etcd-$ETCD-$GOV/bin"
# etcdctl at exactly $ETCD, in a module of its own: `go mod tidy` in a module whose code does not import etcdctl drops
# its requirement, and `go build` then resolved go.etcd.io/etcd/etcdctl/v3 to the newest 3.7.x (3.7.3 beside etcd 3.7.0).
# Built into $1.tmp, checked (`etcdctl version` must print $ETCD), then renamed to $1.
build_etcdctl() {
  local dest=$1 d
  d=$(mktemp -d "$work/etcdctl.XXXX")
  (cd "$d" && "$GO" mod init kubeha.local/etcdctlbuild >/dev/null 2>&1 \
    && "$GO" get "go.etcd.io/etcd/etcdctl/v3@$ETCD" >/dev/null 2>&1) || { echo "k8s-binaries: etcdctl $ETCD cannot be downloaded" >&2; exit 4; }
  echo "k8s-binaries: building etcdctl $ETCD ($(date -u +%T))" >&2
  (cd "$d" && "$GO" build -trimpath -ldflags "-s -w" -o "$dest.tmp" go.etcd.io/etcd/etcdctl/v3)
  local got; got=$("$dest.tmp" version | sed -n 's/^etcdctl version: *//p')
  if [ "v$got" != "$ETCD" ]; then echo "k8s-binaries: built etcdctl reports version $got, not $ETCD" >&2; rm -f "$dest.tmp"; exit 1; fi
  mv -f "$dest.tmp" "$dest"
}
etcdctl_version() { "$1" version 2>/dev/null | sed -n 's/^etcdctl version: *\(.*\)/v\1/p'; }
if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then
  # A complete build; only etcdctl is rebuilt when it is missing or not at etcd's version (caches made before the pin).
  if [ ! -x "$out/etcdctl" ] || [ "$(etcdctl_version "$out/etcdctl")" != "$ETCD" ]; then
    echo "k8s-binaries: etcdctl in $out is missing or not at $ETCD ($(etcdctl_version "$out/etcdctl" || true)): rebuilding etcdctl only" >&2
    build_etcdctl "$out/etcdctl"
    # The cached kubeha-etcd package carries etcdctl: made again on next use (src/lab/k8s-debs.ts).
    rm -f "$(dirname "$out")"/debs/kubeha-etcd_*.deb
  fi
  echo "$out"; exit 0
fi
mkdir -p "$out.tmp"
minor=${K8S#v1.}; minor=${minor%%.*}
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
"$GO" mod tidy >/dev/null 2>&1 || true
n=0
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubeadm; do
  n=$((n+1)); echo "k8s-binaries: building $c $K8S ($n/6, $(date -u +%T))" >&2
  "$GO" get "k8s.io/kubernetes/cmd/$c@$K8S" >/dev/null 2>&1 || true
  "$GO" build -trimpath -ldflags "$ld" -o "$out.tmp/$c" "k8s.io/kubernetes/cmd/$c"
done
mkdir -p etcd && cd etcd
"$GO" mod init kubeha.local/etcdbuild >/dev/null 2>&1
printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
"$GO" get "go.etcd.io/etcd/server/v3@$ETCD" >/dev/null 2>&1 || { echo "k8s-binaries: etcd $ETCD cannot be downloaded" >&2; exit 4; }
"$GO" mod tidy >/dev/null 2>&1 || true
echo "k8s-binaries: building etcd and etcdctl $ETCD (6/6, $(date -u +%T))" >&2
"$GO" build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" .
build_etcdctl "$out.tmp/etcdctl"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
