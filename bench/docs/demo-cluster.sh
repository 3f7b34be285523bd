#!/usr/bin/env bash
# demo-cluster.sh WORKDIR start|stop — a small farm-like target on 127.0.0.1 for the bench's sticky/failover scenarios:
#   3 nginx backends b1 b2 b3 (:19101-19103) answering "backend=<id>" + X-Backend-Id, and HAProxy :18543 terminating TLS
#   (self-signed ECDSA P-256, CN=localhost) with cookie stickiness (SRV), health checks every 500 ms and redispatch.
# PIDs go to WORKDIR/*.pid; `stop` ends exactly those processes.
set -euo pipefail
w=${1:?usage: demo-cluster.sh WORKDIR start|stop}; cmd=${2:?start|stop}
mkdir -p "$w/tmp"; w=$(cd "$w" && pwd)
if [ "$cmd" = stop ]; then
  for p in haproxy b1 b2 b3; do f="$w/$p.pid"; [ -f "$f" ] || continue; pid=$(cat "$f")
    kill "$pid" 2>/dev/null && for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"; echo "stopped $p ($pid)"; done; exit 0; fi
for p in 18543 19101 19102 19103; do
  if ss -ltnH "sport = :$p" | grep -q .; then echo "port $p already in use" >&2; exit 1; fi; done
[ -f "$w/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$w/key.pem" -out "$w/cert.pem" 2>/dev/null
cat "$w/cert.pem" "$w/key.pem" > "$w/combined.pem"
i=0; for id in b1 b2 b3; do i=$((i+1)); port=$((19100+i))
cat > "$w/$id.conf" <<C
worker_processes 1; pid $w/$id.pid; error_log $w/$id.err; daemon on;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $w/tmp; proxy_temp_path $w/tmp; fastcgi_temp_path $w/tmp; uwsgi_temp_path $w/tmp; scgi_temp_path $w/tmp;
  default_type text/plain;
  server { listen 127.0.0.1:$port; location / { add_header X-Backend-Id $id always; return 200 "backend=$id\n"; } } }
C
nginx -e "$w/$id.early.err" -c "$w/$id.conf"; done
cat > "$w/haproxy.cfg" <<C
global
  nbthread 1
  pidfile $w/haproxy.pid
  daemon
  stats socket $w/haproxy.sock mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
frontend fe
  bind 127.0.0.1:18543 ssl crt $w/combined.pem alpn http/1.1
  default_backend be
backend be
  balance roundrobin
  cookie SRV insert indirect nocache
  http-reuse safe
  server b1 127.0.0.1:19101 cookie b1 check inter 500 fall 2 rise 2
  server b2 127.0.0.1:19102 cookie b2 check inter 500 fall 2 rise 2
  server b3 127.0.0.1:19103 cookie b3 check inter 500 fall 2 rise 2
C
haproxy -f "$w/haproxy.cfg"; sleep 0.5
for p in b1 b2 b3 haproxy; do echo "$p pid=$(cat "$w/$p.pid")"; done
echo "https://localhost:18543/  cacert=$w/cert.pem  haproxy socket=$w/haproxy.sock"
