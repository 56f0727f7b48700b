#!/usr/bin/env bash
# The tests start their own redis-server and make certificates with openssl (and, for the dashboard tests,
# Chromium; for the reflection test, Python's gRPC). Install what is missing from Debian's packages when we can;
# otherwise say exactly what to install.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The Redis Cluster tests join their nodes with redis-cli (Debian: redis-tools, which redis-server depends on).
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
# The mTLS tests make certificates with scripts/dev-certs.sh.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The dashboard's end-to-end test drives Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need+=(chromium)
# The reflection test calls the mesh from a stock Python gRPC client.
/usr/bin/python3 -c 'import grpc, grpc_tools' >/dev/null 2>&1 || need+=(python3-grpcio python3-grpc-tools)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "parley: installing ${need[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "parley: the tests need: ${need[*]} (e.g. sudo apt-get install -y ${need[*]})" >&2
  exit 1
fi
