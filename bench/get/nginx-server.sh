#!/usr/bin/env bash
# A read-only, path-style "S3" for download benchmarks: nginx serving ROOT/BUCKET/KEY on
# 127.0.0.1 (no signature checks, sendfile, keep-alive, single ranges).
#   nginx-server.sh start DIR ROOT PORT [TLS_PORT CERT KEY]   (installs Debian's nginx when missing)
#   nginx-server.sh stop DIR
# With TLS_PORT, CERT and KEY (PEM files) it also serves https on TLS_PORT.
# NGINX_S3_RATE caps each connection (nginx limit_rate, bytes/s: 40m = 40 MB/s), as
# ../shared/s3/nginx-s3.sh does: S3 serves each connection at a bounded rate.
set -eu
case ${1:-} in
start)
    [ $# -eq 4 ] || [ $# -eq 7 ] || { echo "usage: $0 start DIR ROOT PORT [TLS_PORT CERT KEY]" >&2; exit 2; }
    dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "ok installed" ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >&2
    mkdir -p "$2/tmp"
    dir=$(cd "$2" && pwd) root=$(cd "$3" && pwd)
    user=""; [ "$(id -u)" -eq 0 ] && user="user $(id -un);"
    rate=""; [ -n "${NGINX_S3_RATE:-}" ] && rate="limit_rate $NGINX_S3_RATE;"
    tls=""
    [ $# -eq 7 ] && tls="server {
        listen 127.0.0.1:$5 ssl;
        ssl_certificate \"$6\";
        ssl_certificate_key \"$7\";
        ssl_protocols TLSv1.2 TLSv1.3;
        root \"$root\";
    }"
    cat > "$dir/nginx.conf" <<CONF
$user
worker_processes 2;
pid "$dir/nginx.pid";
error_log "$dir/error.log" warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path "$dir/tmp/body";
    proxy_temp_path "$dir/tmp/proxy";
    fastcgi_temp_path "$dir/tmp/fastcgi";
    uwsgi_temp_path "$dir/tmp/uwsgi";
    scgi_temp_path "$dir/tmp/scgi";
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    max_ranges 1;
    $rate
    server {
        listen 127.0.0.1:$4;
        root "$root";
    }
    $tls
}
CONF
    nginx -c "$dir/nginx.conf"
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$4/" && exit 0; sleep 0.1; done
    echo "nginx did not start" >&2; exit 1 ;;
stop)
    [ -f "$2/nginx.pid" ] && kill "$(cat "$2/nginx.pid")" 2>/dev/null || true ;;
*)
    echo "usage: $0 start DIR ROOT PORT [TLS_PORT CERT KEY] | stop DIR" >&2; exit 2 ;;
esac
