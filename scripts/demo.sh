#!/usr/bin/env bash
# `npm run demo`: the main job on a fresh Debian 12 machine, as root.
#   set-up → init → check → render → lab up (8 hosts) → bundle → apply (HAProxy, keepalived and the real control
#   plane: etcd, kube-apiserver, controller-manager, scheduler) → kubectl get ns through the VIP → a failover drill.
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

VIP=$(node -e 'const y=require("yaml");const s=y.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.loadBalancer.vip)' "$SPEC")
PORT=6443
holder() {
  for lb in lb0 lb1; do
    if kubeha lab ssh "$lb" --name "$LAB" -- "ip -o -4 addr show | grep -q ' $VIP/'" 2>/dev/null; then echo "$lb"; return; fi
  done
  echo none
}
sleep 1  # a few VRRP adverts (0.2 s each) to settle
before=$(holder)
step "the VIP $VIP is on $before; a client in the lab connects to $VIP:$PORT"
kubeha lab exec-client --name "$LAB" -- timeout 2 bash -c "exec 3<>/dev/tcp/$VIP/$PORT" && echo "demo: $VIP:$PORT accepts connections (HAProxy on $before)"

step "kubectl through the VIP: the cluster's own kubectl (v1.37.2, kubeha's cache), an admin kubeconfig from kubeha's PKI"
kubeha kubectl "$SPEC" -- get --raw /readyz && echo
kubeha kubectl "$SPEC" -- get ns

step "drill: power off $before and measure the outage a client sees on $VIP:$PORT"
# A client in the lab probes the VIP all along (a TCP connect every ~20 ms; bounded: 400 probes, 12 s at most),
# logging "epoch-ns ok|fail"; the power-off happens while it runs, so the outage is read off the client's own timeline.
PROBES="$OUT/drill-probes.log"
kubeha lab exec-client --name "$LAB" -- bash -c '
  vip=$1; port=$2; end=$(( $(date +%s) + 12 ))
  for i in $(seq 1 400); do
    [ "$(date +%s)" -lt "$end" ] || break
    if timeout 0.1 bash -c "exec 3<>/dev/tcp/$vip/$port" 2>/dev/null; then r=ok; else r=fail; fi
    echo "$(date +%s%N) $r"; sleep 0.02
  done' probe "$VIP" "$PORT" > "$PROBES" &
PROBER=$!
sleep 1.5
FAULT_AT=$(date +%s%N)
kubeha lab fault "$before" power-off --name "$LAB"
wait "$PROBER" || true
node -e '
const [file, faultAt] = process.argv.slice(1);
const probes = require("fs").readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ")).map(([t, r]) => ({ t: BigInt(t), ok: r === "ok" }));
const before = probes.filter((p) => p.t < BigInt(faultAt));
const after = probes.filter((p) => p.t >= BigInt(faultAt));
const firstFail = after.findIndex((p) => !p.ok);
const ms = (a, b) => Number(b - a) / 1e6;
console.log(`drill: ${before.length} probe(s) before the power-off (${before.filter((p) => p.ok).length} ok), ${after.length} after`);
if (firstFail < 0) { console.log("drill: no probe failed after the power-off"); process.exit(0); }
const recovered = after.findIndex((p, i) => i > firstFail && p.ok);
const failed = after.slice(firstFail, recovered < 0 ? undefined : recovered).filter((p) => !p.ok).length;
if (recovered < 0) { console.log(`drill: ${failed} probe(s) failed and the VIP did not answer again within the bound`); process.exit(1); }
const lastOkBefore = [...probes].reverse().find((p) => p.ok && p.t < after[firstFail].t);
console.log(`drill: ${failed} probe(s) failed; outage seen by the client: ${ms(lastOkBefore ? lastOkBefore.t : after[firstFail].t, after[recovered].t).toFixed(0)} ms (last success before → first success after), ${ms(BigInt(faultAt), after[recovered].t).toFixed(0)} ms from the power-off command`);
' "$PROBES" "$FAULT_AT"
after=$(holder)
echo "demo: VIP holder before: $before, after: $after"
kubeha lab fault "$before" power-on --name "$LAB"
sleep 1
echo "demo: $before is back; VIP holder now: $(holder) (equal priorities: no failback, no second interruption)"

step "done: the lab stays up (kubeha lab status --name $LAB); remove it with: npm run demo -- --down"
