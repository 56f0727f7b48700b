#!/usr/bin/env bash
# Development certificates for parley's mutual TLS (docs/operations.md#tls):
# a CA, and for each identity a key and a certificate signed by it, usable as
# a server certificate (subjectAltName localhost, 127.0.0.1 and the name) and
# as a client certificate whose subject says who the caller is:
# CN = the identity, OU = its role (service | ad-server | federated-client | operator).
#
#   scripts/dev-certs.sh [DIR] [NAME:ROLE ...]
#
# DIR defaults to .parley/tls. Without NAME:ROLE, the default mesh's
# identities. Existing certificates are kept unless they expire within a
# day; delete a NAME.crt to make it again (rotation). A CA that expires within
# a day is made again: every certificate in DIR is removed (signed by the old
# CA), and the ones named here are made again.
#   PARLEY_CERT_DAYS   days a certificate is valid (default 90; the CA: 365)
#   PARLEY_CERT_SANS   extra subjectAltNames, e.g. DNS:broker.parley.svc,IP:10.0.0.5
set -euo pipefail
dir=${1:-.parley/tls}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then
  set -- broker:service admin:service aggregator:service context:service inventory:service \
    objective:service brand-safety:service ad-server:ad-server operator:operator
fi
days=${PARLEY_CERT_DAYS:-90}
command -v openssl >/dev/null || { echo "dev-certs: openssl is needed (apt-get install openssl)" >&2; exit 1; }
umask 077
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fresh() { [ -f "$1" ] && openssl x509 -checkend 86400 -noout -in "$1" >/dev/null 2>&1; }

if ! fresh "$dir/ca.crt"; then
  if [ -f "$dir/ca.crt" ] && [ ! -f "$dir/ca.key" ]; then
    echo "dev-certs: $dir/ca.crt expires within a day and its key is not here; renew it with your CA" >&2
    exit 1
  fi
  rm -f "$dir"/*.crt "$dir"/*.key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/O=parley/CN=parley development CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  echo "dev-certs: made a CA in $dir" >&2
fi

for spec in "$@"; do
  name=${spec%%:*}
  role=${spec#*:}
  [[ "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "dev-certs: bad name in \"$spec\" (letters, digits, . _ -)" >&2; exit 2; }
  case "$role" in service | ad-server | federated-client | operator) ;;
  *) echo "dev-certs: \"$spec\": role must be service, ad-server, federated-client or operator" >&2; exit 2 ;;
  esac
  fresh "$dir/$name.crt" && [ -f "$dir/$name.key" ] && continue
  [ -f "$dir/ca.key" ] || { echo "dev-certs: no $dir/ca.key to sign $name with" >&2; exit 1; }
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth,clientAuth' \
    "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$name${PARLEY_CERT_SANS:+,$PARLEY_CERT_SANS}" >"$tmp/ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/O=parley/OU=$role/CN=$name" -keyout "$tmp/$name.key" -out "$tmp/$name.csr" 2>"$tmp/err" &&
    openssl x509 -req -in "$tmp/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days "$days" -extfile "$tmp/ext" -out "$tmp/$name.crt" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  # Key first, then the certificate: a reader never sees a certificate without its key.
  mv "$tmp/$name.key" "$dir/$name.key"
  mv "$tmp/$name.crt" "$dir/$name.crt"
  echo "dev-certs: $name ($role) in $dir" >&2
done
