#!/usr/bin/env bash
# deploy/init.sh — prepares what docker-compose.yml mounts, under deploy/secrets/ (git-ignored, never commit it):
#   master.key   the farm master key (base64 of 32 random bytes): seals private keys and ticket keys in the cluster
#   admin.token  the bearer token of every node's admin API (and of the CLI: --token-file deploy/secrets/admin.token)
#   dev/         a development CA (dev/ca.pem: trust it in clients) and certificate "dev" (dev.pem, dev.key)
# Existing files are kept (delete one to regenerate it). Names of the dev certificate: arguments, default
# localhost *.localhost 127.0.0.1.
# The directory is 0700 (only you); the files in it are 0644 so that the containers' user (uid 10001) can read the
# ones bind-mounted into them.
set -euo pipefail
cd "$(dirname "$0")/.."
S=deploy/secrets
mkdir -p "$S/dev"
chmod 700 "$S"

rand_b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

if [ ! -s "$S/master.key" ]; then
  rand_b64 32 > "$S/master.key"; echo >> "$S/master.key"
  echo "init: generated $S/master.key"
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
chmod 644 "$S/master.key" "$S/admin.token" "$S/dev/dev.pem" "$S/dev/dev.key" "$S/dev/ca.pem"
echo "init: ready. Clients trust $S/dev/ca.pem; the CLI uses --token-file $S/admin.token"
