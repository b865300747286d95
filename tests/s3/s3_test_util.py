"""What the Swift-backed S3 tests (test_s3.py, test_s3_tls.py) share: results, ports, the server
and nginx terminating TLS in front of it."""
import os
import pwd
import random
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else detail), flush=True)


def free_ports(count):
    """A base port with `count` free consecutive ports on 127.0.0.1."""
    rnd = random.Random(os.getpid())
    for _ in range(200):
        base = rnd.randrange(20000, 60000)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base
        except OSError:
            pass
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def start_swift(server):
    """swift-server.sh started under `server`: the environment for its clients, or None (its
    error printed) when it did not start."""
    env = dict(os.environ, FDATA_SWIFT_PORT=str(free_ports(5)))
    start = subprocess.run(["bash", os.path.join(HERE, "swift-server.sh"), "start", server],
                           env=env, capture_output=True, text=True)
    if start.returncode != 0:
        print(start.stderr)
        return None
    for line in start.stdout.splitlines():
        for assignment in line.replace("export ", "").split():
            k, v = assignment.split("=", 1)
            env[k] = v.strip("'")
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # never the real 169.254.169.254
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"):
        env.pop(k, None)
    return env


def swift_port(env):
    """The Swift server's own plain-HTTP port (the endpoint's, unless TLS is in front of it):
    for curl and the fault proxies, which speak plain HTTP to it."""
    return env.get("FDATA_SWIFT_HTTP_PORT") or env["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]


def make_bucket(env, bucket):
    """Creates `bucket` on the Swift server of env's endpoint (signed by curl, plain HTTP)."""
    port = swift_port(env)
    for attempt in range(20):  # Swift's services may still be settling just after start
        made = subprocess.run(["curl", "-sf", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:s3",
                               "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-X", "PUT",
                               "http://test%%3Atester:testing@127.0.0.1:%s/%s" % (port, bucket)])
        if made.returncode == 0:
            break
        time.sleep(0.5)
    made.check_returncode()


def stop_swift(server):
    subprocess.run(["bash", os.path.join(HERE, "swift-server.sh"), "stop", server])


NGINX_SERVER = """
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_protocols {protocols};
        ssl_certificate "{dir}/server.pem";
        ssl_certificate_key "{dir}/server.key";
        client_max_body_size 0;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_buffering off;
        }}
    }}
"""
# Two fronts: TLS 1.2 and 1.3 as S3 serves (the port env names), and TLS 1.2 alone on the
# next port (FDATA_TLS12_ENDPOINT); tls.log has each request's protocol and cipher.
NGINX_CONF = """
{user}
worker_processes 1;
pid "{dir}/nginx.pid";
error_log "{dir}/error.log" warn;
events {{ worker_connections 256; }}
http {{
    log_format tls '$ssl_protocol $ssl_cipher $request_method $uri';
    access_log "{dir}/tls.log" tls;
    client_body_temp_path "{dir}/body";
    proxy_temp_path "{dir}/proxy";
    fastcgi_temp_path "{dir}/fastcgi";
    uwsgi_temp_path "{dir}/uwsgi";
    scgi_temp_path "{dir}/scgi";
{servers}
}}
"""


def start_nginx(tls, upstream):
    """nginx on two free ports terminating TLS for the server on `upstream` (NGINX_CONF): the
    first port."""
    port = free_ports(2)
    user = "user %s;" % pwd.getpwuid(0).pw_name if os.getuid() == 0 else ""  # workers read tls/
    servers = "".join(NGINX_SERVER.format(dir=tls, port=p, upstream=upstream, protocols=v)
                      for p, v in ((port, "TLSv1.2 TLSv1.3"), (port + 1, "TLSv1.2")))
    with open(os.path.join(tls, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(user=user, dir=tls, servers=servers))
    subprocess.run(["nginx", "-c", os.path.join(tls, "nginx.conf")], check=True)
    for _ in range(50):
        if subprocess.run(["curl", "-s", "-o", "/dev/null", "--cacert", os.path.join(tls, "ca.pem"),
                           "https://127.0.0.1:%d/" % port]).returncode == 0:
            return port
        time.sleep(0.1)
    raise RuntimeError("nginx with TLS did not start")


def start_tls_front(env, tls):
    """nginx terminating TLS (a CA and certificate make-ca.sh writes into `tls`) in front of
    env's Swift server; env then points at it (https, AWS_CA_BUNDLE naming the CA)."""
    subprocess.run(["bash", os.path.join(HERE, "make-ca.sh"), tls], check=True)
    upstream = swift_port(env)
    port = start_nginx(tls, upstream)
    env.update(AWS_ENDPOINT_URL="https://127.0.0.1:%d" % port, FDATA_SWIFT_HTTP_PORT=upstream,
               AWS_CA_BUNDLE=os.path.join(tls, "ca.pem"),
               FDATA_TLS12_ENDPOINT="https://127.0.0.1:%d" % (port + 1))


def stop_tls_front(tls):
    pid = os.path.join(tls, "nginx.pid")
    if os.path.exists(pid):
        subprocess.run(["kill", open(pid).read().strip()])


def run_against_swift(main, tls=False, before_tls=None):
    """Starts Swift in a temporary folder, runs before_tls(env) (plain http, straight to Swift)
    and, with `tls`, puts nginx terminating TLS in front of it, then main(tmp, env); stops both
    and exits with the tally (a test bug fails the run)."""
    with tempfile.TemporaryDirectory() as tmp:
        server, front = os.path.join(tmp, "server"), os.path.join(tmp, "tls")
        env = start_swift(server)
        if env is None:
            print("0 passed, 1 failed")
            sys.exit(1)
        try:
            if before_tls:
                before_tls(env)
            if tls:
                start_tls_front(env, front)
            main(tmp, env)
        except Exception as e:
            check("test run", False, repr(e))
        finally:
            stop_tls_front(front)
            stop_swift(server)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    sys.exit(0 if all(results) else 1)
