#!/usr/bin/env bash
# `npm run demo`: the default topology (examples/cluster.yaml) made real in the lab; `npm run demo -- --down` removes it.
# Needs root (network namespaces, mounts, systemd-nspawn). Later issues add apply and drills here.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (sudo npm run demo)" >&2; exit 3; fi
[ -f dist/cli/main.js ] || npm run --silent build
if [ "${1:-}" = "--down" ]; then exec node bin/kubeha lab down --name demo; fi
node bin/kubeha lab up examples/cluster.yaml --name demo
node bin/kubeha lab status --name demo
