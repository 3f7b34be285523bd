#!/usr/bin/env bash
# The edge (EdgeBenchMain, native epoll, 2 event loops) against HAProxy `mode tcp` (nbthread 2) on this machine, in the
# same run, both in front of the same PROXY-v2-aware echo upstream. Prints relayed MB and connections per CPU-second
# of each proxy process (/proc/PID/stat). About 70 s. Not part of `mvn verify`.
#   edge-l4/bench/edge-vs-haproxy.sh            (PHASE_SECONDS=8 WARMUP_SECONDS=12 STREAMS=4 CONN_LOOPS=16;
#                                                EDGE_JVM_ARGS="-XX:StartFlightRecording=filename=/tmp/edge.jfr" to profile)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install -y haproxy" >&2; exit 1; }
cd "$root"
mvn -o -q -pl edge-l4 compile
mvn -o -q -pl edge-l4 dependency:build-classpath -Dmdep.outputFile="$root/edge-l4/target/bench.classpath" >/dev/null
cp="$root/edge-l4/target/classes:$(cat "$root/edge-l4/target/bench.classpath")"
haproxy -v 2>&1 | sed -n 1p
java -version 2>&1 | sed -n 1p
exec java -Xmx512m -cp "$cp" -Dedge.cp="$cp" -Dedge.logback="$here/logback-bench.xml" \
  -Dlogback.configurationFile="$here/logback-bench.xml" -Dclk.tck="$(getconf CLK_TCK)" \
  -Dedge.jvm.args="${EDGE_JVM_ARGS:-}" -Dphase.seconds="${PHASE_SECONDS:-8}" -Dwarmup.seconds="${WARMUP_SECONDS:-12}" -Dstreams="${STREAMS:-4}" -Dconn.loops="${CONN_LOOPS:-16}" \
  "$here/EdgeVsHaproxy.java"
