#!/usr/bin/env bash
# The whole farm (edge -> SSL node -> router, one JVM from `./sslfarm up`) against HAProxy and nginx terminating TLS
# in front of the same nginx backend, keep-alive and full-handshake HTTPS, in operations per server CPU-second.
#   bench/whole-farm-vs-haproxy.sh [WORKDIR]        (default WORKDIR: a new /tmp/whole-farm.XXXXXX)
#
# Env (defaults in brackets):
#   WARM [120]            seconds of load on the farm before measuring (JIT), half keep-alive, half handshakes; 0 = none
#   D [15s]               measured phase per server and scenario (bench duration: 15s, 2m)
#   C [32]                concurrent users (connections) of the bench
#   BENCH_WARMUP [20s]    the compare's own warm-up per server and scenario (not counted)
#   SERVER_CPU [0]        CPU of every server under test: the farm's JVM (all its threads), HAProxy, nginx (TLS)
#   CLIENT_CPU [1]        CPU of the bench client and of the nginx backend
#   PORT_OFFSET [0]       passed to `sslfarm up --port-offset` (edge 8443+N, admin 9900+N, cluster 5801+N, ...):
#                         use it when another farm runs on this machine
#   BACKEND_PORT [19100]  the nginx backend's port on 127.0.0.1
#   SSL_NODES [2]         SSL nodes of the farm
#   EVENT_LOOPS [1]       `sslfarm up --event-loops`: the farm's event loops (shared by all its nodes); 1 like the
#                         compared HAProxy (nbthread 1) and nginx (worker_processes 1), all on one CPU
#   HOPS [in-process]     in-process: edge -> SSL node -> router inside the JVM (node.in-process-hops, the default of
#                         `sslfarm up`); tcp: `--no-in-process-hops`, every hop over loopback TCP as between hosts
#
# Needs: a built checkout (farm/target/sslfarm.jar: `mvn -o -q -B -DskipTests package`; `./sslfarm` rebuilds it when
# sources are newer, which this script does not allow time for), Debian's nginx and haproxy, taskset, jcmd, jq, ss,
# curl. Talks to 127.0.0.1 only. With the defaults it takes about 6 minutes; every step has its own time limit and
# the whole script a deadline. Everything it starts (farm, backend, bench/compare JVMs and the servers they started)
# is stopped by PID on exit, also on Ctrl-C or SIGTERM.
#
# What it does:
#   1. nginx backend on 127.0.0.1:BACKEND_PORT (fixed 100-byte body, keepalive_requests 1000000), pinned to CLIENT_CPU
#   2. `./sslfarm up` (one JVM), every thread pinned to SERVER_CPU with `taskset -a -p` (after start-up, so the JVM
#      keeps its 2-CPU ergonomics, as a JVM on a shared host would)
#   3. `./sslfarm apply farm.yaml`: that backend as the only pool, sticky insert
#   4. WARM seconds of bench load on the farm, then the length of `jcmd PID Compiler.queue` (C1 + C2 queues)
#   5. `./sslfarm bench compare keepalive|handshake --farm URL --farm-pid PID --backend ... --server-cpu SERVER_CPU
#      --servers haproxy,nginx --insecure -c C -d D --warmup BENCH_WARMUP --json ...`, the client on CLIENT_CPU
#   6. a table from the compare JSON files (CompareResult: targets[].compared = BenchResult.toJson())
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d /tmp/whole-farm.XXXXXX)}
mkdir -p "$W"
W=$(cd "$W" && pwd)

secs() { # 15s | 2m | 90 -> seconds
  case "$1" in
    *ms) echo 1 ;;
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *h) echo $(( ${1%h} * 3600 )) ;;
    *) echo "$1" ;;
  esac
}
WARM_S=$(secs "${WARM:-120}")
D_S=$(secs "${D:-15s}")
BW_S=$(secs "${BENCH_WARMUP:-20s}")
C=${C:-32}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
OFF=${PORT_OFFSET:-0}
BACKEND_PORT=${BACKEND_PORT:-19100}
SSL_NODES=${SSL_NODES:-2}
EVENT_LOOPS=${EVENT_LOOPS:-1}
HOPS=${HOPS:-in-process}
case "$HOPS" in
  in-process) HOPS_FLAG=--in-process-hops ;;
  tcp) HOPS_FLAG=--no-in-process-hops ;;
  *) echo "whole-farm: HOPS must be in-process or tcp, got '$HOPS'" >&2; exit 2 ;;
esac
for v in WARM_S D_S BW_S C SERVER_CPU CLIENT_CPU OFF BACKEND_PORT SSL_NODES; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "whole-farm: $v must be a number, got '${!v}'" >&2; exit 2; }
done
[ "$D_S" -ge 1 ] || { echo "whole-farm: D must be at least 1s" >&2; exit 2; }

EDGE_PORT=$((8443 + OFF)); ADMIN_PORT=$((9900 + OFF)); CLUSTER_PORT=$((5801 + OFF))
FARM_URL="https://localhost:$EDGE_PORT/"
SSLFARM="$ROOT/sslfarm"
STATE="$W/farm-state"
# per compare: 3 targets x (warm-up + measured) + start/stop; farm start, apply and teardown
COMPARE_LIMIT=$(( 3 * (BW_S + D_S) + 60 ))
BUDGET=$(( 120 + WARM_S + 30 + 2 * COMPARE_LIMIT + 60 ))
DEADLINE=$(( $(date +%s) + BUDGET ))

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- cleanup: only what this script started, by PID ------------------------------------------------------------
FARM_PID=""; BACKEND_PID=""; CHILD_PID=""
stop_pid() { # pid seconds-before-KILL
  local p=$1 t=$2
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 "$t"); do kill -0 "$p" 2>/dev/null || return 0; sleep 1; done
  log "pid $p ignored SIGTERM for ${t}s: SIGKILL"
  kill -KILL "$p" 2>/dev/null || true
}
stop_tree() { # a bench/compare JVM: first the servers it started (its children), then the JVM
  local p=$1 c
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do stop_pid "$c" 5; done
  stop_pid "$p" 10
}
CLEANED=""
cleanup() {
  [ -n "$CLEANED" ] && return 0
  CLEANED=1
  stop_tree "$CHILD_PID"
  if [ -n "$FARM_PID" ] && kill -0 "$FARM_PID" 2>/dev/null; then
    log "stopping the farm (pid $FARM_PID, SIGTERM: drains first)"
    stop_pid "$FARM_PID" 40
  fi
  stop_pid "$BACKEND_PID" 10
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# run_bounded LIMIT_SECONDS LOGFILE cmd...: runs cmd in the background (stdout+stderr to LOGFILE), so that a signal
# reaches our trap at once; stops it (and the servers it started) after LIMIT seconds or at the script's deadline.
run_bounded() {
  local limit=$1 out=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  [ "$end" -gt "$DEADLINE" ] && end=$DEADLINE
  "$@" > "$out" 2>&1 &
  CHILD_PID=$!
  while kill -0 "$CHILD_PID" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$end" ]; then
      log "'$*' exceeded its time limit: stopping it"
      stop_tree "$CHILD_PID"
      break
    fi
    sleep 1
  done
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

port_busy() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# ---- preflight --------------------------------------------------------------------------------------------------
for cmd in nginx haproxy taskset jcmd jq ss curl java; do
  command -v "$cmd" > /dev/null || die "$cmd not found"
done
[ -f "$ROOT/farm/target/sslfarm.jar" ] || die "no farm/target/sslfarm.jar: build first (cd $ROOT && mvn -o -q -B -DskipTests package)"
NCPU=$(nproc)
[ "$SERVER_CPU" -lt "$NCPU" ] && [ "$CLIENT_CPU" -lt "$NCPU" ] || die "SERVER_CPU/CLIENT_CPU must be below $NCPU"
PORTS="$BACKEND_PORT $EDGE_PORT $((8080 + OFF)) $((8081 + OFF))"
for i in $(seq 0 $((SSL_NODES - 1))); do PORTS="$PORTS $((9443 + OFF + i))"; done
for i in $(seq 0 $((SSL_NODES + 1))); do PORTS="$PORTS $((ADMIN_PORT + i)) $((CLUSTER_PORT + i))"; done
for p in $PORTS; do
  port_busy "$p" && die "port $p is in use (another farm or backend?): set PORT_OFFSET / BACKEND_PORT"
done
log "work dir $W; WARM=${WARM_S}s D=${D_S}s C=$C BENCH_WARMUP=${BW_S}s; servers on CPU $SERVER_CPU, client and backend on CPU $CLIENT_CPU; time limit ${BUDGET}s"

# ---- 1. the nginx backend -------------------------------------------------------------------------------------
mkdir -p "$W/backend/tmp"
BODY=$(printf 'x%.0s' $(seq 1 99))   # + "\n" = 100 bytes
cat > "$W/backend/nginx.conf" <<EOF
daemon off; worker_processes 1; pid $W/backend/nginx.pid; error_log $W/backend/error.log;
events { worker_connections 8192; }
http {
  access_log off; default_type text/plain;
  keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path $W/backend/tmp; proxy_temp_path $W/backend/tmp; fastcgi_temp_path $W/backend/tmp;
  uwsgi_temp_path $W/backend/tmp; scgi_temp_path $W/backend/tmp;
  server { listen 127.0.0.1:$BACKEND_PORT backlog=4096;
    location / { add_header X-Backend-Id nginx-1 always; return 200 "$BODY\n"; } }
}
EOF
taskset -c "$CLIENT_CPU" nginx -p "$W/backend" -e "$W/backend/error.log" -c "$W/backend/nginx.conf" \
  > "$W/backend/stdout.log" 2>&1 &   # daemon off + taskset execs: $! is the nginx master
BACKEND_PID=$!
for _ in $(seq 1 50); do
  curl -sf -o /dev/null "http://127.0.0.1:$BACKEND_PORT/" && break
  kill -0 "$BACKEND_PID" 2>/dev/null || die "nginx backend exited: $(tail -3 "$W/backend/error.log" 2>/dev/null)"
  sleep 0.2
done
[ "$(curl -sf "http://127.0.0.1:$BACKEND_PORT/" | wc -c)" = 100 ] || die "backend does not answer 100 bytes"
log "nginx backend pid $BACKEND_PID on 127.0.0.1:$BACKEND_PORT (CPU $CLIENT_CPU)"

# ---- 2. the farm, one JVM, pinned -------------------------------------------------------------------------------
( cd "$ROOT" && exec "$SSLFARM" up --port-offset "$OFF" --ssl-nodes "$SSL_NODES" --event-loops "$EVENT_LOOPS" "$HOPS_FLAG" --backends 1 --dir "$STATE" ) \
  > "$W/farm.log" 2>&1 &   # the launcher execs java: $! is the farm's JVM
FARM_PID=$!
end=$(( $(date +%s) + 120 ))
until grep -q "sslfarm is up" "$W/farm.log"; do
  kill -0 "$FARM_PID" 2>/dev/null || die "the farm exited: $(tail -5 "$W/farm.log")"
  [ "$(date +%s)" -lt "$end" ] || die "the farm did not come up within 120 s (see $W/farm.log)"
  sleep 1
done
[ "$(cat /proc/"$FARM_PID"/comm)" = java ] || die "pid $FARM_PID is not the farm's JVM"
pin_farm() { taskset -a -p -c "$SERVER_CPU" "$FARM_PID" > /dev/null; }
pin_farm
log "farm pid $FARM_PID up on $FARM_URL, $(ls /proc/"$FARM_PID"/task | wc -l) threads pinned to CPU $SERVER_CPU"

# ---- 3. the backend as the farm's only pool, sticky insert ------------------------------------------------------
cat > "$W/farm.yaml" <<EOF
routes:
  default-pool: web
pools:
  web:
    backends:
      - id: nginx-1
        address: 127.0.0.1:$BACKEND_PORT
    sticky:
      mode: insert
EOF
# an array, not a function: run_bounded's background job then execs it, so its PID is the client JVM itself
CLIENT=(taskset -c "$CLIENT_CPU" "$SSLFARM")
run_bounded 60 "$W/apply.log" "${CLIENT[@]}" apply "$W/farm.yaml" --admin "127.0.0.1:$ADMIN_PORT" --token-file "$STATE/admin.token" \
  || die "apply failed: $(cat "$W/apply.log")"
log "$(tail -1 "$W/apply.log")"
ok=""
for _ in $(seq 1 50); do
  if curl -sk -D "$W/first-response.txt" -o "$W/first-body.txt" "$FARM_URL" && [ "$(wc -c < "$W/first-body.txt")" = 100 ]; then
    ok=1; break
  fi
  sleep 0.2
done
[ -n "$ok" ] || die "the farm does not answer with the backend's 100-byte body (see $W/first-response.txt)"
grep -qi '^set-cookie:' "$W/first-response.txt" || die "no sticky cookie from the farm (see $W/first-response.txt)"

# ---- 4. JIT warm-up under load -------------------------------------------------------------------------------
compiler_queue() { # methods waiting in the C1 and C2 queues (not those being compiled); raw output kept in $W
  { taskset -c "$CLIENT_CPU" jcmd "$FARM_PID" Compiler.queue 2>/dev/null || true; } \
    | tee -a "$W/compiler-queue.txt" | awk '/compile queue:/ {q = 1; next} /^Current compiles/ {q = 0} q && /::/ {n++} END {print n + 0}'
}
Q_BEFORE=$(compiler_queue)
if [ "$WARM_S" -gt 0 ]; then
  half=$(( (WARM_S + 1) / 2 ))
  log "warming the farm: ${half}s keep-alive, then $((WARM_S - half))s handshakes (-c $C)"
  run_bounded $((half + 30)) "$W/warm-keepalive.log" "${CLIENT[@]}" bench keepalive "$FARM_URL" --insecure -c "$C" -d "${half}s" --warmup 0 \
    || log "warm-up keepalive bench exited non-zero (see $W/warm-keepalive.log)"
  if [ $((WARM_S - half)) -gt 0 ]; then
    run_bounded $((WARM_S - half + 30)) "$W/warm-handshake.log" "${CLIENT[@]}" bench handshake "$FARM_URL" --insecure -c "$C" \
      -d "$((WARM_S - half))s" --warmup 0 || log "warm-up handshake bench exited non-zero (see $W/warm-handshake.log)"
  fi
fi
Q_AFTER=$(compiler_queue)
log "farm JIT: Compiler.queue length $Q_BEFORE before warm-up, $Q_AFTER after"
[ "$Q_AFTER" -gt 0 ] && log "WARNING: methods still wait for compilation: the farm's figures may be JIT-cold (raise WARM)"

# ---- 5. compare -------------------------------------------------------------------------------------------------
pin_farm   # threads started since (they inherit the pinning anyway)
for s in keepalive handshake; do
  log "compare $s: sslfarm, haproxy, nginx; ${BW_S}s warm-up + ${D_S}s each (limit ${COMPARE_LIMIT}s)"
  run_bounded "$COMPARE_LIMIT" "$W/compare-$s.log" "${CLIENT[@]}" bench compare "$s" --farm "$FARM_URL" --farm-pid "$FARM_PID" \
    --backend "127.0.0.1:$BACKEND_PORT" --server-cpu "$SERVER_CPU" --servers haproxy,nginx --insecure -c "$C" \
    -d "${D_S}s" --warmup "${BW_S}s" --workdir "$W/compare-$s" --json "$W/compare-$s.json" \
    || die "compare $s failed (see $W/compare-$s.log): $(tail -3 "$W/compare-$s.log")"
  [ -s "$W/compare-$s.json" ] || die "compare $s wrote no JSON"
done

# ---- 6. the table -----------------------------------------------------------------------------------------------
# one line per target: name ops-per-server-CPU-s errors p50-ms p99-ms (fields "-" when unknown)
rows() {
  jq -r '.targets[] | [.name,
      (.compared.opsPerServerCpuSecond // "-" | tostring),
      (.compared.errors | tostring),
      (if .compared.latency.count > 0 then (.compared.latency.p50Us / 1000 * 100 | round / 100 | tostring) else "-" end),
      (if .compared.latency.count > 0 then (.compared.latency.p99Us / 1000 * 100 | round / 100 | tostring) else "-" end)]
    | @tsv' "$1"
}
field() { # file target column(2=ops 3=errors 4=p50 5=p99)
  rows "$1" | awk -F'\t' -v t="$2" -v c="$3" '$1 == t {print $c; found = 1} END {if (!found) print "-"}'
}
int() { [[ $1 =~ ^[0-9.]+$ ]] && printf '%.0f' "$1" || printf '%s' "$1"; }
ratio() { [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}' || echo "-"; }

echo
echo "whole farm (1 JVM: edge + $SSL_NODES SSL nodes + router, hops $HOPS, pid $FARM_PID) vs HAProxy $(haproxy -v | awk 'NR == 1 {print $3}') and nginx $(nginx -v 2>&1 | sed 's|.*/||'), same nginx backend"
echo "servers on CPU $SERVER_CPU, bench client + backend on CPU $CLIENT_CPU; -c $C, ${BW_S}s warm-up + ${D_S}s measured per server; farm warmed ${WARM_S}s, Compiler.queue $Q_AFTER after warm-up"
echo
ROW='%-10s | %13s | %13s | %13s | %12s | %s\n'
printf "$ROW" scenario "sslfarm" "HAProxy" "nginx" "farm/HAProxy" "errors sslfarm/HAProxy/nginx"
printf "$ROW" "" "req/srv CPU-s" "req/srv CPU-s" "req/srv CPU-s" "" ""
printf -- '-----------+---------------+---------------+---------------+--------------+-----------------------------\n'
for s in keepalive handshake; do
  f="$W/compare-$s.json"
  fo=$(field "$f" sslfarm 2); ho=$(field "$f" haproxy 2); no=$(field "$f" nginx 2)
  printf "$ROW" "$s" "$(int "$fo")" "$(int "$ho")" "$(int "$no")" "$(ratio "$fo" "$ho")" \
    "$(field "$f" sslfarm 3)/$(field "$f" haproxy 3)/$(field "$f" nginx 3)"
done
echo
f="$W/compare-keepalive.json"
printf '%-22s | %14s | %14s | %14s\n' "keepalive latency ms" sslfarm HAProxy nginx
printf -- '-----------------------+----------------+----------------+---------------\n'
printf '%-22s | %14s | %14s | %14s\n' "p50 / p99" "$(field "$f" sslfarm 4) / $(field "$f" sslfarm 5)" \
  "$(field "$f" haproxy 4) / $(field "$f" haproxy 5)" "$(field "$f" nginx 4) / $(field "$f" nginx 5)"
echo
echo "req/srv CPU-s = completed requests per CPU-second of the server process and its children (/proc/PID/stat);"
echo "handshake = a new connection, a full TLS handshake and one request each. Details: $W/compare-*.{log,json}"
