#!/usr/bin/env bash
# Runs the README's first command and the commands it tells the user to try, as a user would, and checks the
# answers: ./sslfarm up, curl through the edge (TLS 1.3 and 1.2, HTTP/2 and HTTP/1.1, sticky cookie), ./sslfarm status,
# /metrics, then SIGTERM (what Ctrl-C sends to a foreground process) and a clean stop. Exits non-zero on any miss.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/sslfarm-smoke.XXXXXX)
log="$work/up.log"
fail() { echo "README smoke FAILED: $*" >&2; echo "--- last lines of ./sslfarm up:" >&2; tail -40 "$log" >&2 || true; exit 1; }

./sslfarm --help >/dev/null || fail "./sslfarm --help"
./sslfarm up --help >/dev/null || fail "./sslfarm up --help"

./sslfarm up >"$log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  grep -q "sslfarm is up" "$log" && break
  kill -0 "$pid" 2>/dev/null || fail "./sslfarm up exited early"
  sleep 1
done
grep -q "sslfarm is up" "$log" || fail "not up within 120 s"
ca=.sslfarm/dev-ca/ca.pem

body=$(curl -sS --max-time 10 --cacert "$ca" https://localhost:8443/) || fail "curl https://localhost:8443/"
[[ "$body" == backend=backend-* ]] || fail "unexpected body: $body"
for v in --tlsv1.3 "--tlsv1.2 --tls-max 1.2" --http1.1 --http2; do
  # shellcheck disable=SC2086
  out=$(curl -sS --max-time 10 --cacert "$ca" $v -o /dev/null -w '%{http_code} %{http_version}' https://localhost:8443/) \
    || fail "curl $v"
  [[ "$out" == 200* ]] || fail "curl $v answered $out"
  echo "curl $v -> $out"
done
first=$(curl -sS --max-time 10 --cacert "$ca" -c "$work/jar" -b "$work/jar" https://localhost:8443/)
for _ in 1 2 3 4 5; do
  again=$(curl -sS --max-time 10 --cacert "$ca" -c "$work/jar" -b "$work/jar" https://localhost:8443/)
  [ "$again" = "$first" ] || fail "sticky cookie: $first then $again"
done
echo "sticky: 6 requests on $first"
./sslfarm status | tee "$work/status.txt"
for n in edge-1 ssl-1 ssl-2 router-1; do grep -q "^$n .*ACTIVE" "$work/status.txt" || fail "status lacks $n ACTIVE"; done
# read the whole page first: `curl | grep -q` fails under pipefail when grep stops reading at its first match and
# curl is still writing (curl exit 23), which depends only on where in the page the first match is
curl -sS --max-time 10 --cacert "$ca" -o "$work/metrics.txt" https://127.0.0.1:9900/metrics || fail "/metrics did not answer"
grep -q '^sslfarm_' "$work/metrics.txt" || fail "/metrics has no sslfarm_ meters"

kill -TERM "$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
kill -0 "$pid" 2>/dev/null && fail "still running 60 s after SIGTERM"
trap - EXIT
grep -q "stopped" "$log" || fail "no clean stop in the log"
echo "README smoke passed"
rm -rf "$work"
