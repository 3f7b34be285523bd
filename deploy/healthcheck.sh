#!/bin/sh
# Container health check: GET /health/live on this node's admin port (SSLFARM_ADMIN_PORT, default 9900).
# curl when present (the offline base image has it); otherwise bash's /dev/tcp (eclipse-temurin has bash).
port=${SSLFARM_ADMIN_PORT:-9900}
path=${SSLFARM_HEALTH_PATH:-/health/live}
if command -v curl >/dev/null 2>&1; then
  exec curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}${path}"
fi
exec bash -c '
  exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
  printf "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" "$1" >&3
  IFS= read -r status <&3 || exit 1
  case "$status" in "HTTP/1."?" 200"*) exit 0 ;; *) exit 1 ;; esac
' "$port" "$path"
