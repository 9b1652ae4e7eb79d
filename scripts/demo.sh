#!/usr/bin/env bash
# `npm run demo`: the main job on a fresh Debian 12 machine, as root.
#   set-up → init → check → render → lab up (8 hosts) → bundle → apply (HAProxy, keepalived and the real control
#   plane: etcd, kube-apiserver, controller-manager, scheduler) → kubectl get ns through the VIP → status → a failover
#   drill (kubeha drill).
# `npm run demo -- --down` removes the lab. Everything stays inside the lab's own network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (network namespaces, mounts, systemd-nspawn): sudo npm run demo" >&2; exit 3; fi
LAB=demo
OUT=out/demo
kubeha() { node bin/kubeha "$@"; }
step() { printf '\n== %s\n' "$*"; }

if [ "${1:-}" = "--down" ]; then
  [ -f dist/cli/main.js ] || bash scripts/setup.sh
  exec node bin/kubeha lab down --name "$LAB"
fi

step "set-up: Debian packages, npm ci, build"
bash scripts/setup.sh

step "init: the default topology (2 LBs with keepalived + HAProxy, 3 masters with stacked etcd, 3 workers)"
mkdir -p "$OUT"
kubeha init --force -o "$OUT/cluster.yaml"
SPEC="$OUT/cluster.yaml"

step "check: validation and the HA analysis of what the spec renders (every single failure)"
kubeha check "$SPEC" --output json > "$OUT/check.json"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const n = (s) => r.findings.filter((f) => f.severity === s).length;
console.log(`findings: ${n("error")} error(s), ${n("warning")} warning(s), ${n("info")} info`);
for (const s of r.scenarios) console.log(`  ${s.failure.padEnd(34)} VIP on ${(s.vipHolders.join(",") || "nobody").padEnd(9)} API ${s.apiReachable ? "reachable  " : "UNREACHABLE"} ${s.predictedOutageMs !== undefined ? `~${s.predictedOutageMs} ms` : ""}`);
' "$OUT/check.json"

step "render: every host's files under $OUT/render/<host>/ (analysable back with kubeha analyze)"
kubeha render "$SPEC" --out "$OUT/render"

step "lab up: every host of the spec booted as a Debian machine with systemd and sshd, at its own address"
if kubeha lab status --name "$LAB" --output json >/dev/null 2>&1; then kubeha lab down --name "$LAB"; fi
kubeha lab up "$SPEC" --name "$LAB"

step "bundle: the .deb packages the hosts need (the Kubernetes binaries as kubeha-* packages too), as an offline apt repository (lab hosts have no route out)"
kubeha bundle --spec "$SPEC" --out "$OUT/bundle"

step "apply: packages, validated files, services on all hosts in parallel (over SSH, like production VMs)"
kubeha apply "$SPEC" --yes --bundle "$OUT/bundle"

step "kubectl through the VIP: the cluster's own kubectl (v1.37.2, kubeha's cache), an admin kubeconfig from kubeha's PKI"
kubeha kubectl "$SPEC" -- get --raw /readyz && echo
kubeha kubectl "$SPEC" -- get ns

step "status: keepalived and the VIP per LB, HAProxy's view of every backend, /readyz through the VIP and per master"
# HAProxy marks the new backends up after its rise checks (2 × 1 s): bounded wait for a healthy verdict.
for _ in $(seq 1 30); do kubeha status "$SPEC" >/dev/null 2>&1 && break; sleep 1; done
kubeha status "$SPEC"
holder=$(kubeha status "$SPEC" --output json | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(s.lbs.find((l)=>l.holdsVip)?.host ?? "none")')

step "drill: power off the VIP holder ($holder) while a client probes the VIP, power it on again, compare with check's prediction"
# A client in the lab (the taskbox namespace) opens a new TLS connection and GETs /readyz through the VIP every 20 ms
# and keeps 5 watches of the real kube-apiserver open (admin certificate); the drill reports the outage it saw, the VRRP
# transitions, the failback, and the prediction.
kubeha drill "$SPEC" --scenario "node-down:$holder" --report "$OUT/drill.md"
echo "demo: report with the timeline: $OUT/drill.md"

step "done: the lab stays up (kubeha lab status --name $LAB); remove it with: npm run demo -- --down"
