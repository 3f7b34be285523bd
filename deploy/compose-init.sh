#!/bin/sh
# The compose `init` service: once router1's admin API answers, apply the farm config and store the dev certificate
# (id "dev", the SSL nodes' default). Idempotent: re-running replaces both with the same content. Each step is retried
# (a cluster still forming may time a call out).
set -u
ADMIN=${SSLFARM_ADMIN:-router1:9900}
TOKEN=/etc/sslfarm/admin.token
retry() {
  i=0
  until sslfarm "$@" --admin "$ADMIN" --token-file "$TOKEN"; do
    i=$((i + 1))
    [ "$i" -lt 30 ] || { echo "init: \`sslfarm $1\` kept failing" >&2; exit 1; }
    sleep 3
  done
}
retry status >/dev/null
retry apply /etc/sslfarm/farm.yaml
retry certs add --id dev --cert /etc/sslfarm/dev.pem --key /etc/sslfarm/dev.key
echo "init: farm config applied and certificate 'dev' stored"
