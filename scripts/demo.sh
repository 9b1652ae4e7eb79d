#!/usr/bin/env bash
# `npm run demo`: the default topology (examples/cluster.yaml) made real in the lab; `npm run demo -- --down` removes it.
# Needs root (network namespaces, mounts, systemd-nspawn). Then apply (issue 6); later issues add drills here.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (sudo npm run demo)" >&2; exit 3; fi
[ -f dist/cli/main.js ] || npm run --silent build
if [ "${1:-}" = "--down" ]; then exec node bin/kubeha lab down --name demo; fi
node bin/kubeha lab up examples/cluster.yaml --name demo
node bin/kubeha lab status --name demo
# apply (issue 6): keepalived + HAProxy from the offline bundle on the LBs, then the VIP answering from the client side.
node bin/kubeha bundle --spec examples/cluster.yaml --out .kubeha/demo-bundle
node bin/kubeha apply examples/cluster.yaml --yes --bundle .kubeha/demo-bundle
sleep 2  # VRRP settles in a few adverts
vip=$(sed -n 's/^ *vip: *\([0-9.]*\).*/\1/p' examples/cluster.yaml)
for lb in lb0 lb1; do
  if node bin/kubeha lab ssh "$lb" --name demo -- "ip -o -4 addr show | grep -q ' $vip/'"; then echo "demo: $lb holds the VIP $vip"; fi
done
node bin/kubeha lab exec-client --name demo -- bash -c "exec 3<>/dev/tcp/$vip/6443 && echo \"demo: the VIP $vip:6443 answers (HAProxy; the masters get a control plane in a later issue)\""
