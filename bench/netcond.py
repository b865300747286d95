"""Network conditions and HTTPS for the download benches (bench/get, bench/load, bench/filter).

Conditions (--conditions, comma-separated; each bench measures them in one run):
  loopback  plain 127.0.0.1, no cap: the CPU sets the rate
  net2      ../shared/s3/netsim.sh at 2 Gbit/s, nginx capping each connection at 40 MB/s
  net8      netsim.sh at 8 Gbit/s, 100 MB/s per connection
A netsim condition runs the bench again inside the capped namespace (a private loopback:
nginx and the clients both live there); that run prints its results as JSON, the outer run
tabulates them beside the link's own time (bytes x 8 / rate).

--https: the bench also serves the objects over TLS (nginx with a CA and a certificate made
here with openssl in a temporary folder; AWS_CA_BUNDLE names the CA for fastdata, --cacert for
curl) and reports the clients' CPU time per GB with and without TLS."""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX_SERVER = os.path.join(ROOT, "bench", "get", "nginx-server.sh")

# name: (netsim link rate, nginx per-connection rate), None for the plain loopback
CONDITIONS = {"loopback": None, "net2": ("2gbit", "40m"), "net8": ("8gbit", "100m")}


def add_arguments(ap, https=True):
    """The options every network bench takes: --conditions, --https, and the hidden --inside
    its run inside netsim gets."""
    ap.add_argument("--conditions", default="loopback", help="loopback,net2,net8 (bench/netcond.py)")
    if https:
        ap.add_argument("--https", action="store_true", help="also over TLS, with the cost of TLS")
    ap.add_argument("--inside", help=argparse.SUPPRESS)


def ubiquant_keys(folder, files, rows):
    """The keys of bench/load's Ubiquant-like table (`fastdata gen ubiquant`) in folder, made
    when missing."""
    keys = ["part-%05d.parquet" % i for i in range(files)]
    if not all(os.path.exists(os.path.join(folder, k)) for k in keys):
        subprocess.run([os.path.join(ROOT, "build", "fastdata"), "gen", "ubiquant", folder,
                        "--files", str(files), "--rows-per-file", str(rows)], check=True,
                       stdout=subprocess.DEVNULL)
    return keys


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def shared_s3():
    """../shared/s3 beside the checkout (or beside the main one, from a git worktree)."""
    common = subprocess.run(["git", "-C", ROOT, "rev-parse", "--path-format=absolute",
                             "--git-common-dir"], capture_output=True, text=True).stdout.strip()
    for top in (ROOT, os.path.dirname(common)):
        path = os.path.join(os.path.dirname(top), "shared", "s3")
        if os.path.isdir(path):
            return path
    sys.exit("bench: ../shared/s3 (nginx-s3.sh, netsim.sh) not found")


def link_seconds(nbytes, rate):
    """The link's own time for nbytes at a tc rate such as '2gbit'."""
    m = re.match(r"([\d.]+)([kmg]?)bit$", rate)
    bits = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2)]
    return nbytes * 8 / bits


def describe(name):
    cap = CONDITIONS[name]
    return "loopback, no cap" if cap is None else "netsim %s, nginx limit_rate %s per connection" % cap


def parse_conditions(text):
    names = [n for n in text.split(",") if n]
    bad = [n for n in names if n not in CONDITIONS]
    if bad or not names:
        sys.exit("bench: unknown condition %s (known: %s)" % (",".join(bad) or "''",
                                                              ",".join(CONDITIONS)))
    return names


def run_inside(name, argv):
    """The bench (argv, its own command line) again inside netsim for condition `name`, with
    --inside NAME: returns the JSON document that run prints last."""
    rate = CONDITIONS[name][0]
    p = subprocess.run(["bash", os.path.join(shared_s3(), "netsim.sh"), "--rate", rate, "--",
                        sys.executable] + argv + ["--inside", name],
                       stdout=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit("bench: the %s run failed (exit %d)" % (name, p.returncode))
    return json.loads(p.stdout.strip().splitlines()[-1])


def measure_all(conditions, measure):
    """condition -> measure(condition): here for the plain loopback, for a netsim condition
    in the bench run again inside netsim.sh (see run_inside)."""
    return {c: measure(c) if CONDITIONS[c] is None else run_inside(c, sys.argv) for c in conditions}


def heading(bench, what, conditions):
    """A report's first line: the bench, when, where, how loaded the machine was, what it
    measured and under which conditions."""
    return "# bench/%s, %s, %s, %d cores, load average %.1f/%.1f/%.1f: %s; %s" % (
        bench, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        platform.machine(), os.cpu_count(), *os.getloadavg(), what,
        "; ".join("%s: %s" % (c, describe(c)) for c in conditions))


def report_name(base, conditions, https):
    """bench/out's file name: base, then the conditions other than the default, then -https."""
    return base + ("-" + "-".join(conditions) if conditions != ["loopback"] else "") + \
        ("-https" if https else "")


def make_tls(folder):
    """A CA and a server certificate for 127.0.0.1 signed by it (tests/s3/make-ca.sh):
    (ca.pem, server.pem, server.key)."""
    subprocess.run(["bash", os.path.join(ROOT, "tests", "s3", "make-ca.sh"), folder], check=True)
    return tuple(os.path.join(folder, f) for f in ("ca.pem", "server.pem", "server.key"))


class Nginx:
    """bench/get/nginx-server.sh on two free ports: http, and https when tls=(cert, key)."""

    def __init__(self, workdir, root, conn_rate=None, tls=None):
        self.dir = os.path.join(workdir, "nginx")
        with socket.socket() as a, socket.socket() as b:  # two distinct free ports
            a.bind(("127.0.0.1", 0))
            b.bind(("127.0.0.1", 0))
            port, tls_port = a.getsockname()[1], b.getsockname()[1]
        env = dict(os.environ)
        if conn_rate:
            env["NGINX_S3_RATE"] = conn_rate
        args = ["bash", NGINX_SERVER, "start", self.dir, root, str(port)]
        if tls:
            args += [str(tls_port), *tls]
        subprocess.run(args, check=True, env=env)
        self.http = "http://127.0.0.1:%d" % port
        self.https = "https://127.0.0.1:%d" % tls_port if tls else None

    def stop(self):
        subprocess.run(["bash", NGINX_SERVER, "stop", self.dir])


def child_cpu(fn):
    """fn()'s result and the CPU seconds (user + system) of the processes it ran and waited
    for: the client's cost, not the server's (nginx is not our child)."""
    def used():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime
    before = used()
    out = fn()
    return out, used() - before


def tls_costs(results, names, total, repeat):
    """For each condition and named client measured over both protocols: the client's extra
    CPU seconds per GB over https. results: condition -> rows [client, protocol, result (None:
    failed), ..., CPU seconds of `repeat` passes over `total` bytes]."""
    out = []
    for cond, rows in results.items():
        per_gb = {(r[0], r[1]): r[-1] / (repeat * total / 1e9) for r in rows if r[2]}
        for name in names:
            if (name, "https") in per_gb and (name, "http") in per_gb:
                http, https = per_gb[name, "http"], per_gb[name, "https"]
                out.append("- %s, %s: TLS costs %.2f client CPU s per GB (%.2f over http, %.2f "
                           "over https)" % (cond, name, https - http, http, https))
    return out
