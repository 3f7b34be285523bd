#!/usr/bin/env bash
# run-docs.sh — regenerates the example reports in this directory (bench/docs) on this machine.
# Needs haproxy, nginx, openssl; uses ./demo-cluster.sh (HAProxy with cookie stickiness over 3 nginx backends).
# Until `sslfarm bench` exists, the runs go through the test-scope ManualBench main:
#   cd /work/main && mvn -o -q -pl bench test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/bench-cp.txt -Dmdep.includeScope=test
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd); B=$(cd "$D/.." && pwd); W=${W:-/tmp/bench-demo}
CP=$B/target/classes:$B/target/test-classes:$(cat /tmp/bench-cp.txt)
M="timeout 120 java -cp $CP io.sslfarm.bench.ManualBench"
"$D/demo-cluster.sh" "$W" start || exit 1
trap '"$D/demo-cluster.sh" "$W" stop' EXIT
HA="cacert=$W/cert.pem pid=$(cat "$W/haproxy.pid") stats=$W/haproxy.sock"
echo "### compare handshake"; $M compare handshake c=16 d=10 warmup=3 cpu=0 workdir=/tmp/bench-compare json=$D/compare-handshake.json html=$D/compare-handshake.html
echo "### resume tls1.3"; $M resume https://localhost:18543/ c=16 d=5 warmup=2 tls=1.3 $HA json=$D/resume.json html=$D/resume.html
echo "### keepalive open loop"; $M keepalive https://localhost:18543/ c=32 rate=4000 d=10 warmup=2 $HA json=$D/keepalive-open-loop.json html=$D/keepalive-open-loop.html
echo "### sticky"; $M sticky https://localhost:18543/ c=24 d=5 warmup=1 $HA json=$D/sticky.json html=$D/sticky.html
# failover: kill -9 backend b2 (its nginx master and worker, by PID) 4 s into the measured phase
echo "### failover"; $M failover https://localhost:18543/ c=24 d=10 warmup=2 $HA \
  hook="kill -9 \$(pgrep -P \$(cat $W/b2.pid)) \$(cat $W/b2.pid)" hookAt=4 json=$D/failover.json html=$D/failover.html
