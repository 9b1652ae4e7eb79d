#!/usr/bin/env bash
# Installs what kubeha needs on a fresh Debian 12 machine (root), then builds it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything the tests and the lab call: nothing is assumed present on a fresh machine.
APT_PACKAGES=(haproxy keepalived debootstrap debian-archive-keyring gpgv systemd systemd-container iproute2 procps util-linux openssh-client openssl dpkg-dev curl ca-certificates nftables iptables chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root to install: ${missing[*]}" >&2; exit 3; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps Debian's postinst from starting haproxy/keepalived on this machine (one the machine already
  # has is left as it is).
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

# The upstream Kubernetes binaries the lab's control plane runs (and `kubeha kubectl` uses), built once from the Go
# module proxy into the cache outside the repository, keyed by version (scripts/k8s-binaries.sh; ~10 min cold on an
# idle 2-core machine). Without a Go toolchain the build is skipped with a note: the lab tests then build them on
# first use or fail saying so.
K8S_VERSION=v1.37.2
CACHE=${KUBEHA_CACHE:-/var/cache/kubeha}
if ! compgen -G "$CACHE/k8s-$K8S_VERSION-etcd-*/bin/etcdctl" >/dev/null; then
  if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
    echo "setup: building the Kubernetes $K8S_VERSION binaries into $CACHE (once; progress below)"
    bash scripts/k8s-binaries.sh "$K8S_VERSION" >/dev/null
  else
    echo "setup: no Go toolchain: the Kubernetes $K8S_VERSION binaries are not built (install Go from https://go.dev/dl, then run scripts/k8s-binaries.sh)" >&2
  fi
fi
