#!/usr/bin/env bash
# A throwaway CA and a certificate for 127.0.0.1 / localhost signed by it, for local HTTPS
# servers in tests and benchmarks (point AWS_CA_BUNDLE at DIR/ca.pem, curl --cacert).
#   make-ca.sh DIR   writes DIR/ca.pem, DIR/server.pem, DIR/server.key (P-256 keys, 2 days)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
    -subj "/CN=fastdata test CA" 2>/dev/null
openssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
echo "subjectAltName=IP:127.0.0.1,DNS:localhost" > "$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -out "$dir/server.pem" -days 2 -extfile "$dir/server.ext" 2>/dev/null
