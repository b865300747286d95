#!/usr/bin/env bash
# A local S3 endpoint that checks SigV4 signatures, for the S3 tests: OpenStack Swift from
# Debian with its s3api middleware and tempauth, on 127.0.0.1 only.
#   swift-server.sh start DIR   installs the packages if missing, configures and starts the
#                               servers under DIR, waits for a signed request to succeed, and
#                               prints `export AWS_...` lines (progress on stderr)
#   swift-server.sh stop DIR    stops the processes started under DIR
# Port: FDATA_SWIFT_PORT (default 18080) for S3; the next four ports for the object,
# container and account servers and memcached.  Credentials: test:tester / testing.
set -eu
PORT=${FDATA_SWIFT_PORT:-18080}
KEY=test:tester
SECRET=testing
REGION=us-east-1
PACKAGES="swift swift-proxy swift-account swift-container swift-object memcached curl"

say() { echo "swift-server: $*" >&2; }

install_packages() {
    local missing="" p
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "apt-get install$missing"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2 ||
        { $sudo apt-get update -qq >&2 &&
          DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2; }
}

server_conf() { # KIND PORT
    cat <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 1
user = $(id -un)
swift_dir = $DIR/etc
devices = $DIR/srv
mount_check = false
log_name = $1-server
log_level = WARNING

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
CONF
}

proxy_conf() {
    cat <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 2
user = $(id -un)
swift_dir = $DIR/etc
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
object_chunk_size = 1048576
client_chunk_size = 1048576

[filter:s3api]
use = egg:swift#s3api
location = $REGION
max_upload_part_num = 10000
allowable_clock_skew = 900

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$((PORT + 4))

[filter:slo]
use = egg:swift#slo
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:dlo]
use = egg:swift#dlo
CONF
}

# One ring per server kind: 2^8 partitions, one replica, one device (Swift's own builder).
build_rings() {
    local python
    python=$(sed -n '1s/^#! *//p' "$(command -v swift-ring-builder)")
    "$python" - "$DIR/etc" $((PORT + 3)) $((PORT + 2)) $((PORT + 1)) <<'PY'
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(("account", "container", "object"), map(int, sys.argv[2:])):
    b = RingBuilder(8, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
               "device": "sdb1", "weight": 100})
    b.rebalance()
    b.save("%s/%s.builder" % (etc, name))
    b.get_ring().save("%s/%s.ring.gz" % (etc, name))
PY
}

signed_ok() {
    curl -sf -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:$REGION:s3" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "http://${KEY//:/%3A}:$SECRET@127.0.0.1:$PORT/"
}

print_env() {
    echo "export AWS_ACCESS_KEY_ID='$KEY' AWS_SECRET_ACCESS_KEY='$SECRET'"
    echo "export AWS_ENDPOINT_URL='http://127.0.0.1:$PORT' AWS_REGION='$REGION'"
}

stop() {
    local f pid
    for f in "$DIR"/run/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        # only our processes: their command line names DIR
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/"; then
            pkill -TERM -P "$pid" 2>/dev/null || true
            kill -TERM "$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
}

start() {
    install_packages
    mkdir -p "$DIR"/{etc,srv/sdb1,run,log}
    stop
    for kind in object container account; do
        local port=$((PORT + 1))
        [ $kind = container ] && port=$((PORT + 2))
        [ $kind = account ] && port=$((PORT + 3))
        server_conf $kind $port > "$DIR/etc/$kind-server.conf"
    done
    proxy_conf > "$DIR/etc/proxy-server.conf"
    [ -f "$DIR/etc/object.ring.gz" ] || build_rings
    memcached -d -P "$DIR/run/memcached.pid" -l 127.0.0.1 -p $((PORT + 4)) -U 0 -m 64 -u "$(id -un)"
    for kind in object container account proxy; do
        nohup swift-$kind-server "$DIR/etc/$kind-server.conf" < /dev/null > "$DIR/log/$kind.log" 2>&1 &
        echo $! > "$DIR/run/$kind.pid"
    done
    local deadline=$((SECONDS + ${FDATA_SWIFT_TIMEOUT:-90}))
    until signed_ok; do
        if [ $SECONDS -ge $deadline ]; then
            tail -20 "$DIR/log/proxy.log" >&2
            stop
            say "the S3 endpoint did not answer in time"
            exit 1
        fi
        sleep 0.3
    done
    say "S3 endpoint http://127.0.0.1:$PORT ready"
    print_env
}

[ $# -eq 2 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
case $1 in
    start) start ;;
    stop) stop ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
