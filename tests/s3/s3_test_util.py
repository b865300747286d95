"""What the Swift-backed S3 tests (test_s3.py, test_s3_tls.py) share: results, ports, the server."""
import os
import random
import socket
import subprocess
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


def make_bucket(env, bucket):
    """Creates `bucket` on the Swift server of env's AWS_ENDPOINT_URL (signed by curl)."""
    port = env["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]
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
