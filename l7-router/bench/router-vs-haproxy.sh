#!/usr/bin/env bash
# Keep-alive plain HTTP through the sslfarm router vs HAProxy `mode http`, same backend, same run (< 3 minutes).
#   bench/router-vs-haproxy.sh [WORKDIR]
# Env: RATE (open-loop req/s, default 1000: below both proxies' capacity on a busy 2-core box), D (seconds per measured phase, default 10), WARM (router JIT warm-up,
#      default 45; HAProxy gets 5), OLD_CLASSES (optional: a second router build, e.g. an older commit's classes, measured as "router-old").
# Needs: nginx, haproxy, wrk, bc; the module built (mvn -o -q -pl l7-router install -DskipTests) and the launcher jar
# (farm/target/sslfarm.jar) for the open-loop client.
#
# Layout (2 cores): backend nginx (fixed 100-byte body) + the load generators on CPU 1; the proxy under test on CPU 0.
# Per proxy:
#   closed loop  wrk -t1 -c64 -dD: req/s; req per proxy CPU-second (utime+stime from /proc/PID/stat), and for the
#                router also per event-loop CPU-second (its vert.x-eventloop threads: without JIT and GC threads)
#   open loop    sslfarm bench keepalive --rate RATE -c16 (latency from the intended start, so no coordinated
#                omission; wrk -R is not in Debian's wrk): p50/p99 and req per server CPU-second
# The router runs in direct mode (no PROXY header) like HAProxy's plain `bind`: both parse the same HTTP/1.1.
set -euo pipefail
W=${1:-/tmp/router-bench}; mkdir -p "$W/logs"
RATE=${RATE:-1000}; D=${D:-10}; WARM=${WARM:-45}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAR=$ROOT/farm/target/sslfarm.jar
CP=$(cd "$ROOT" && mvn -o -q -pl l7-router dependency:build-classpath -Dmdep.outputFile=/dev/stdout):$ROOT/l7-router/target/classes

cat > "$W/backend.conf" <<C
worker_processes 1; pid $W/backend.pid; error_log $W/logs/backend.err; daemon on;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:19100; location / { return 200 "$(printf 'x%.0s' $(seq 1 99))\n"; } } }
C
cat > "$W/haproxy.cfg" <<C
global
  nbthread 1
  maxconn 4000
  pidfile $W/haproxy.pid
  daemon
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:19180
  default_backend be
backend be
  http-reuse always
  server b0 127.0.0.1:19100
C
cleanup() { for p in router router-old haproxy backend; do [ -f "$W/$p.pid" ] && kill "$(cat "$W/$p.pid")" 2>/dev/null; rm -f "$W/$p.pid"; done; }
trap cleanup EXIT
taskset -c 1 nginx -c "$W/backend.conf"
taskset -c 0 haproxy -q -f "$W/haproxy.cfg"
start_router() { # name port classes
  taskset -c 0 java -Xms256m -Xmx512m -XX:+UseParallelGC \
    -Dlogback.configurationFile="$ROOT/l7-router/bench/logback-bench.xml" -cp "$3:$CP" \
    io.sslfarm.router.internal.StandaloneRouter "$2" none 127.0.0.1:19100 1 false > "$W/logs/$1.out" 2>&1 &
  echo $! > "$W/$1.pid"
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$2/" && return 0; sleep 0.2; done
  echo "$1 did not start" >&2; return 1
}
start_router router 19181 "$ROOT/l7-router/target/classes"
[ -n "${OLD_CLASSES:-}" ] && start_router router-old 19182 "$OLD_CLASSES"

cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }   # clock ticks, whole process (a JVM: JIT and GC included)
loopcpu() { # clock ticks of the threads that serve traffic: a JVM's event loops; HAProxy's whole process
  local t s=0; for t in /proc/$1/task/*; do case "$(cat "$t/comm")" in vert.x-eventloo*) s=$((s + $(awk '{print $14+$15}' "$t/stat")));; esac; done
  [ "$s" -gt 0 ] && echo "$s" || cpu "$1"; }
TCK=$(getconf CLK_TCK)
closed() { # name port pid
  local c0 c1 l0 l1 out rps reqs cs ls
  c0=$(cpu "$3"); l0=$(loopcpu "$3")
  out=$(timeout $((D + 20)) taskset -c 1 wrk -t1 -c64 -d"${D}s" "http://127.0.0.1:$2/" 2>&1)
  c1=$(cpu "$3"); l1=$(loopcpu "$3")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  cs=$(echo "scale=2; ($c1-$c0)/$TCK" | bc); ls=$(echo "scale=2; ($l1-$l0)/$TCK" | bc)
  printf '%-10s closed-loop  req/s=%-9s cpu_s=%-6s req_per_cpu_s=%-7s loop_cpu_s=%-6s req_per_loop_cpu_s=%s %s\n' \
    "$1" "$rps" "$cs" "$(echo "scale=0; $reqs/$cs" | bc 2>/dev/null || echo -)" "$ls" \
    "$(echo "scale=0; $reqs/$ls" | bc 2>/dev/null || echo -)" "$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)"
}
open_loop() { # name port pid
  local out
  out=$(timeout $((D + 40)) taskset -c 1 java -jar "$JAR" bench keepalive -c 16 --rate "$RATE" -d "${D}s" \
    --warmup 2s --backend-header='' --server-pid "$3" --json "$W/$1-open.json" "http://127.0.0.1:$2/" 2>&1)
  printf '%-10s open-loop %s req/s: %s | %s | %s\n' "$1" "$RATE" \
    "$(echo "$out" | grep -m1 'latency (from intended start)' | sed 's/^ *//')" \
    "$(echo "$out" | grep -m1 'requests  ' | sed 's/^ *//')" "$(echo "$out" | grep -m1 'server cpu' | sed 's/^ *//')"
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); backend nginx:19100 + clients on CPU1, proxies on CPU0; D=${D}s RATE=$RATE"
run() { # name port warm-up-seconds
  local pid; pid=$(cat "$W/$1.pid")
  timeout $(($3 + 10)) taskset -c 1 wrk -t1 -c64 -d"${3}s" "http://127.0.0.1:$2/" > /dev/null 2>&1 || true
  closed "$1" "$2" "$pid"
  open_loop "$1" "$2" "$pid"
}
run haproxy 19180 5
run router 19181 "$WARM"
[ -n "${OLD_CLASSES:-}" ] && run router-old 19182 "$WARM"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
