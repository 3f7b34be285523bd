#!/usr/bin/env bash
# Keep-alive HTTP through the sslfarm router vs HAProxy `mode http`, same backend, same run.
#   bench/router-vs-haproxy.sh [WORKDIR]
# Layout (2 cores): backend nginx (fixed 100-byte body) + wrk on CPU 1; the proxy under test on CPU 0.
# Phases per proxy: warm-up 10 s (JIT), keepalive (wrk -t1 -c64 -d10s --latency), paced (16 conns, pace.lua,
# RATE req/s, p50/p99). CPU = utime+stime of the proxy process from /proc/PID/stat over the phase.
set -euo pipefail
W=${1:-/tmp/router-bench}; mkdir -p "$W/logs"
RATE=${RATE:-8000}; D=${D:-10}; WARM=${WARM:-30}
ANCH=/work/shared/anchors
CP=$(cat /tmp/router-cp.txt):/work/main/l7-router/target/classes
# NIO transport: the 4.2.18 native epoll jar does not load against Netty 4.2.20 classes (NoClassDefFoundError unix.Errors)

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
taskset -c 1 nginx -c "$W/backend.conf"
taskset -c 0 haproxy -q -f "$W/haproxy.cfg"
taskset -c 0 java -Xms256m -Xmx512m -XX:+UseParallelGC -Dlogback.configurationFile=/work/main/l7-router/bench/logback-bench.xml -cp "$CP" io.sslfarm.router.internal.StandaloneRouter \
  19181 none 127.0.0.1:19100 1 false > "$W/logs/router.out" 2>&1 &
echo $! > "$W/router.pid"
for i in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:19181/ && break; sleep 0.2; done

cpu() { awk '{print $14+$15}' /proc/$1/stat; }   # clock ticks
TCK=$(getconf CLK_TCK)
phase() { # name port pid args...
  local name=$1 port=$2 pid=$3; shift 3
  local c0; c0=$(cpu "$pid")
  local out; out=$(timeout $((D + 20)) taskset -c 1 "$@" "http://127.0.0.1:$port/" 2>&1)
  local c1; c1=$(cpu "$pid")
  local rps; rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local p50; p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  local p99; p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  local reqs; reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  local cs; cs=$(echo "scale=3; ($c1-$c0)/$TCK" | bc)
  local per; per=$(echo "scale=0; $reqs/$cs" | bc 2>/dev/null || echo "-")
  local errs; errs=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)
  printf '%-8s %-10s req/s=%-9s p50=%-8s p99=%-8s srv_cpu_s=%-6s req_per_srv_cpu_s=%-7s %s\n' "$name" "$3" \
    "$rps" "$p50" "$p99" "$cs" "$per" "$errs"
}
run() { # name port pid
  local n=$1 port=$2 pid=$3
  timeout $((WARM + 10)) taskset -c 1 wrk -t1 -c64 -d${WARM}s "http://127.0.0.1:$port/" > /dev/null 2>&1 # warm-up (JIT)
  phase "$n" "$port" "$pid" wrk -t1 -c64 -d${D}s --latency
  WRK_CONNS=16 RATE=$RATE phase "$n" "$port" "$pid" wrk -t1 -c16 -d${D}s --latency -s "$ANCH/pace.lua"
}
echo "# $(date -u +%FT%TZ) backend nginx:19100 (CPU1) proxies on CPU0, D=${D}s, paced RATE=$RATE"
run haproxy 19180 "$(cat "$W/haproxy.pid")"
run router 19181 "$(cat "$W/router.pid")"
run haproxy 19180 "$(cat "$W/haproxy.pid")"
run router 19181 "$(cat "$W/router.pid")"
grep -m1 'native transport' "$W/logs/router.out" || true
for p in router haproxy backend; do kill "$(cat "$W/$p.pid")" 2>/dev/null || true; done
