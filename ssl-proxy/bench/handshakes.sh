#!/usr/bin/env bash
# handshakes.sh — full and resumed TLS handshakes per server CPU-second, SslTier (conscrypt, openssl) vs HAProxy.
#
#   ssl-proxy/bench/handshakes.sh [ENGINES]        ENGINES: default "conscrypt openssl haproxy"; also "engine-only"
#
# engine-only: no sockets — the server side of full TLS 1.3, full TLS 1.2 and resumed TLS 1.2 handshakes in memory, per CPU-second
# of the server engine's own calls, both engines as the tier builds them (EngineHandshakeCost): the ceiling of the
# engine alone, without accept/connect/close, the PROXY header or relaying.
#
# Not part of `mvn verify`. Needs: a built module (mvn -o -q -pl ssl-proxy install -DskipTests test-compile), gcc +
# libssl-dev (the C client hsload from ../shared/anchors), taskset; haproxy optional.
# Layout: the server under test is pinned to CPU ${SERVER_CPU:-0}; the client (hsload, single-threaded C, OpenSSL 3)
# and the stand-in router (a JVM answering behind a PROXY v2 header) to CPU ${CLIENT_CPU:-1}. Everything on 127.0.0.1.
# Per server: warm-up with full handshakes until WARM_N were done or W s passed (JIT), then phases of D s each:
#   full      TLS 1.3, ECDSA P-256, X25519; a fresh SSL object per connection (no session offered)
#   res13     TLS 1.3 resumption (each slot offers the ticket it got last; PSK + ECDHE)
#   res12     TLS 1.2 resumption (tickets)
# and each connection sends one "GET / Connection: close" that goes through to the router and back; then
#   hsonly    full TLS 1.3 handshakes, the client closes right after (no request; both servers still open the router
#             connection, eagerly, when the handshake ends)
# Server CPU = utime+stime from /proc/PID/stat over the phase; per_srv_cpu_s = client-counted handshakes / that.
# per_loop_cpu_s: the same per CPU-second of the server's I/O threads only (no JIT compiler, GC, timers):
# what a warm, busy server approaches; on a shared machine it is also the less noisy figure.
# The server's own counters (SslTier logs "stats full=… resumed=…") are printed next to the client's.
# env: D=10 (≤ 20) W=90 (≤ 180) WARM_N=20000 C=32 OUT=/tmp/sslfarm-hsbench
set -uo pipefail
D=${D:-10}; W=${W:-90}; WARM_N=${WARM_N:-20000}; C=${C:-32}; SC=${SERVER_CPU:-0}; CC=${CLIENT_CPU:-1}
[ "$D" -le 20 ] && [ "$W" -le 180 ] || { echo "D must be <= 20 and W <= 180" >&2; exit 2; }
ENGINES=${1:-conscrypt openssl haproxy}
here=$(cd "$(dirname "$0")" && pwd); module=$(dirname "$here"); root=$(dirname "$module")
OUT=${OUT:-/tmp/sslfarm-hsbench}; mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)
HSLOAD=$OUT/hsload
[ -x "$HSLOAD" ] || gcc -O2 -o "$HSLOAD" "$root/../shared/anchors/hsload.c" -lssl -lcrypto || exit 1

if [ ! -s "$OUT/cp.txt" ] || [ "$module/pom.xml" -nt "$OUT/cp.txt" ]; then
  (cd "$root" && mvn -o -q -pl ssl-proxy dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt") || exit 1
fi
[ -d "$module/target/test-classes" ] || { echo "run: mvn -o -q -pl ssl-proxy test-compile" >&2; exit 1; }
cat > "$OUT/logback.xml" <<'XML'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.sslfarm" level="INFO"/>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
XML
# Own copies of the farm's jars and classes: another engineer's `mvn install` must not swap them mid-run.
rm -rf "$OUT/lib"; mkdir -p "$OUT/lib"
cp -r "$module/target/classes" "$OUT/lib/classes"; cp -r "$module/target/test-classes" "$OUT/lib/test-classes"
CP="$OUT/lib/test-classes:$OUT/lib/classes"
for j in $(tr ':' ' ' < "$OUT/cp.txt"); do
  case "$j" in */io/sslfarm/*) cp "$j" "$OUT/lib/" && CP="$CP:$OUT/lib/$(basename "$j")";; *) CP="$CP:$j";; esac
done
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# CPU ticks of the I/O threads (Vert.x event loops and acceptor; a process without them: all its threads).
loop_ticks() { local t=0 n=0 d c; for d in /proc/"$1"/task/*; do c=$(cat "$d/comm" 2>/dev/null)
    case "$c" in vert.x-eventloo*|vert.x-acceptor*) t=$((t + $(awk '{print $14+$15}' "$d/stat"))); n=1;; esac; done
  [ "$n" = 1 ] && echo "$t" || ticks "$1"; }
tier_stats() { grep -o 'stats full=[0-9]* resumed=[0-9]* failed=[0-9]*' "$1" | tail -1; }

rport=$(free_port)
taskset -c "$CC" java $JAVA_OPTS -Dlogback.configurationFile="$OUT/logback.xml" -cp "$CP" io.sslfarm.ssl.SslBenchMain \
  router "$rport" > "$OUT/router.log" 2>&1 &
pids+=($!)
wait_port "$rport" || { echo "router did not start" >&2; cat "$OUT/router.log"; exit 1; }

# One line per phase: server, phase, client counts, server CPU s, handshakes per server CPU-s, server's own counters.
phase() { local name=$1 spid=$2 port=$3 log=$4 label=$5 s0 s1 out; shift 5
  local before; before=$(tier_stats "$log")
  s0=$(ticks "$spid"); l0=$(loop_ticks "$spid")
  out=$(timeout $((D + 10)) taskset -c "$CC" "$HSLOAD" -c "$C" -d "$D" "$@" 127.0.0.1 "$port")
  s1=$(ticks "$spid"); l1=$(loop_ticks "$spid"); sleep 1.2
  awk -v n="$name" -v o="$out" -v a="$s0" -v b="$s1" -v la="$l0" -v lb="$l1" -v hz="$HZ" -v srv="$label" \
      -v x="$before" -v y="$(tier_stats "$log")" 'BEGIN{
    split(o, f, /[ =]/); for (i = 1; i < length(f); i += 2) v[f[i]] = f[i + 1];
    cpu = (b - a) / hz; loop = (lb - la) / hz; ops = v["full"] + v["resumed"];
    printf "%-10s %-6s full=%-6d resumed=%-6d errors=%-4d rate=%-8s srv_cpu=%.2fs per_srv_cpu_s=%-5.0f per_loop_cpu_s=%-5.0f",
      srv, n, v["full"], v["resumed"], v["errors"], v["rate"], cpu, (cpu > 0 ? ops / cpu : 0), (loop > 0 ? ops / loop : 0);
    if (y != "") { split(x, p, /[ =]/); split(y, q, /[ =]/); printf "  server_saw: full=%d resumed=%d failed=%d", q[3]-p[3], q[5]-p[5], q[7]-p[7] }
    printf "\n" }'
}

run_server() { local label=$1 spid=$2 port=$3 log=$4 done=0 t0=$SECONDS o
  while [ "$done" -lt "$WARM_N" ] && [ $((SECONDS - t0)) -lt "$W" ]; do   # warm-up (JIT)
    o=$(timeout 20 taskset -c "$CC" "$HSLOAD" -c "$C" -d 5 -3 127.0.0.1 "$port")
    done=$((done + $(echo "$o" | sed -n 's/.*full=\([0-9]*\).*/\1/p')))
  done
  echo "# $label warmed up with $done full handshakes in $((SECONDS - t0)) s"
  phase full  "$spid" "$port" "$log" "$label" -3
  phase res13 "$spid" "$port" "$log" "$label" -r -3
  phase res12 "$spid" "$port" "$log" "$label" -r -2
  # its own short warm-up: closing before any byte takes paths (no router connection, close_notify to a gone client)
  # that the other phases never run, and the JIT would compile them inside the measured phase
  timeout 20 taskset -c "$CC" "$HSLOAD" -c "$C" -d 5 -3 -n 127.0.0.1 "$port" > /dev/null
  phase hsonly "$spid" "$port" "$log" "$label" -3 -n
}

for e in $ENGINES; do
  if [ "$e" = engine-only ]; then
    taskset -c "$SC" java $JAVA_OPTS -Dlogback.configurationFile="$OUT/logback.xml" -cp "$CP" \
      io.sslfarm.ssl.tls.EngineHandshakeCost conscrypt openssl
    continue
  fi
  port=$(free_port)
  if [ "$e" = haproxy ]; then
    command -v haproxy > /dev/null || { echo "haproxy not installed: skipped"; continue; }
    [ -s "$OUT/ec.pem" ] || { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj /CN=localhost -keyout "$OUT/ec.key" -out "$OUT/ec.crt" 2>/dev/null && cat "$OUT/ec.crt" "$OUT/ec.key" > "$OUT/ec.pem"; }
    cat > "$OUT/haproxy.cfg" <<CFG
global
  nbthread 1
  tune.ssl.default-dh-param 2048
  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode tcp
  timeout connect 3s
  timeout client 30s
  timeout server 30s
listen tls
  bind 127.0.0.1:$port ssl crt $OUT/ec.pem alpn http/1.1
  server router 127.0.0.1:$rport send-proxy-v2
CFG
    taskset -c "$SC" haproxy -db -f "$OUT/haproxy.cfg" > "$OUT/haproxy.log" 2>&1 &
    spid=$!; pids+=("$spid"); log=/dev/null
  else
    log="$OUT/tier-$e.log"
    taskset -c "$SC" java $JAVA_OPTS -Dlogback.configurationFile="$OUT/logback.xml" -cp "$CP" \
      io.sslfarm.ssl.SslBenchMain tier "$e" "$port" "$rport" > "$log" 2>&1 &
    spid=$!; pids+=("$spid")
  fi
  wait_port "$port" || { echo "$e did not start" >&2; cat "$log" "$OUT/haproxy.log" 2>/dev/null | tail; continue; }
  run_server "$e" "$spid" "$port" "$log"
  kill "$spid"; wait "$spid" 2>/dev/null
done
echo "# $(date -u +%FT%TZ) D=${D}s W=${W}s C=$C server CPU $SC, client CPU $CC, load avg $(cut -d' ' -f1-3 /proc/loadavg)"
