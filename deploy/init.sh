#!/usr/bin/env bash
# deploy/init.sh — prepares what docker-compose.yml mounts, under deploy/secrets/ (git-ignored, never commit it):
#   master.key   the farm master key (base64 of 32 random bytes): seals private keys and ticket keys in the cluster
#   join.secret  the farm join secret: only nodes that have it join the farm's Hazelcast cluster
#   admin.token  the bearer token of every node's admin API (and of the host CLI: SSLFARM_ADMIN_TOKEN="$(sudo cat ...)")
#   dev/         a development CA (dev/ca.pem: trust it in clients) and certificate "dev" (dev.pem, dev.key)
# Existing files are kept (delete one to regenerate it). Names of the dev certificate: arguments, default
# localhost *.localhost 127.0.0.1.
# Run it as root (sudo deploy/init.sh; as another user it warns and leaves them 0644 as before): the secrets (master.key, join.secret, admin.token, dev/dev.key) are made 0600 and owned by
# the containers' user (uid:gid 10001, the image's SSLFARM_UID; override with SSLFARM_UID=...), the only one that
# reads them; the certificates (dev/ca.pem, dev/dev.pem) stay 0644. Everything is created under umask 077. The host
# CLI then needs sudo to read the token (export SSLFARM_ADMIN_TOKEN="$(sudo cat deploy/secrets/admin.token)"), or run
# it in a container: docker-compose exec router1 sslfarm status. Run as that uid itself, no chown is needed.
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
S=deploy/secrets
U=${SSLFARM_UID:-10001}
OWNED=1
if [ "$(id -u)" != 0 ] && [ "$(id -u)" != "$U" ]; then
  OWNED=""
  echo "init: WARNING: not root: the secrets cannot be given to the containers' uid $U, so they stay readable by every" \
    "local user (0644) for the containers to read them; run sudo $0 to make them 0600, owned by uid $U" >&2
fi
mkdir -p "$S/dev"
chmod 700 "$S"

rand_b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

if [ ! -s "$S/master.key" ]; then
  rand_b64 32 > "$S/master.key"; echo >> "$S/master.key"
  echo "init: generated $S/master.key"
fi
if [ ! -s "$S/join.secret" ]; then
  rand_b64 32 | tr '+/' '-_' | tr -d '=' > "$S/join.secret"; echo >> "$S/join.secret"
  echo "init: generated $S/join.secret"
fi
if [ ! -s "$S/admin.token" ]; then
  rand_b64 24 | tr '+/' '-_' | tr -d '=' > "$S/admin.token"; echo >> "$S/admin.token"
  echo "init: generated $S/admin.token"
fi

if [ ! -s "$S/dev/dev.pem" ] || [ ! -s "$S/dev/dev.key" ]; then
  names=("$@")
  [ ${#names[@]} -gt 0 ] || names=(localhost '*.localhost' 127.0.0.1)
  if command -v java >/dev/null 2>&1 && [ -f farm/target/sslfarm.jar ]; then
    java -jar farm/target/sslfarm.jar certs gen --out "$S/dev" --id dev "${names[@]}"
  else
    # No local Java: use the image (docker-compose build first).
    docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/$S/dev:/out" "${SSLFARM_IMAGE:-sslfarm:local}" \
      certs gen --out /out --id dev "${names[@]}"
  fi
fi
# The secrets: the containers' user only. The certificates: public.
chmod 644 "$S/dev/dev.pem" "$S/dev/ca.pem"
if [ -n "$OWNED" ]; then
  [ "$(id -u)" = "$U" ] || chown "$U:$U" "$S/master.key" "$S/join.secret" "$S/admin.token" "$S/dev/dev.key"
  chmod 600 "$S/master.key" "$S/join.secret" "$S/admin.token" "$S/dev/dev.key"
  echo "init: ready. Clients trust $S/dev/ca.pem; the CLI's token is $S/admin.token (0600, uid $U: sudo cat it)"
else
  chmod 755 "$S"   # the containers' user must reach the files too
  chmod 644 "$S/master.key" "$S/join.secret" "$S/admin.token" "$S/dev/dev.key"
  echo "init: ready (secrets 0644, see the warning). Clients trust $S/dev/ca.pem; the CLI uses --token-file $S/admin.token"
fi
