#!/usr/bin/env python3
"""The S3 client over HTTPS: nginx terminating TLS (a CA and certificate made by make-ca.sh)
in front of the Swift s3api server (which checks SigV4 signatures), fastdata trusting the CA
through AWS_CA_BUNDLE: upload and download byte-identical (whole and in ranged parts),
listing, a Parquet file from another writer loaded straight from the bucket; and refusals
with one clear line when the CA is not trusted (no bundle, another CA's bundle).
usage: test_s3_tls.py FASTDATA PARQUET_FILE"""
import hashlib
import os
import subprocess
import sys

from s3_test_util import check, make_bucket, run_against_swift

FASTDATA, PARQUET = sys.argv[1:3]
HERE = os.path.dirname(os.path.abspath(__file__))

def run(*args, env):
    p = subprocess.run([FASTDATA] + list(args), capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main(tmp, env):
    bucket = "fdata-tls"
    data = os.urandom(5 << 20)
    src = os.path.join(tmp, "blob.bin")
    with open(src, "wb") as f:
        f.write(data)
    rc, _, err = run("put", src, PARQUET, "s3://%s/in/" % bucket, env=env)
    check("put over https (AWS_CA_BUNDLE) of a 5 MiB object and a Parquet file", rc == 0, err)
    for label, extra in (("whole", []), ("in 1 MiB ranged parts", ["--part-size", "1"])):
        out = os.path.join(tmp, "out" + "".join(extra))
        rc, _, err = run("get", "s3://%s/in/blob.bin" % bucket, "-o", out, *extra, env=env)
        got = os.path.join(out, "blob.bin")
        same = rc == 0 and os.path.exists(got) and hashlib.sha256(open(got, "rb").read()).digest() == \
            hashlib.sha256(data).digest()
        check("get over https, %s: byte-identical" % label, same, err)
    log = os.path.join(tmp, "tls", "tls.log")  # nginx: protocol, cipher, method, path
    for proto, endpoint, suite in (("TLSv1.3", env["AWS_ENDPOINT_URL"], "TLS_AES_128_GCM_SHA256"),
                                   ("TLSv1.2", env["FDATA_TLS12_ENDPOINT"],
                                    "ECDHE-ECDSA-AES128-GCM-SHA256")):  # make-ca.sh: EC keys
        seen = len(open(log).readlines())
        rc, _, err = run("get", "s3://%s/in/blob.bin" % bucket, "-o", os.path.join(tmp, proto),
                         env=dict(env, AWS_ENDPOINT_URL=endpoint))
        used = {tuple(line.split()[:2]) for line in open(log).readlines()[seen:]}
        check("over %s the suite agreed is AES-128-GCM (fastdata offers it first, the server "
              "offers AES-256-GCM too)" % proto, rc == 0 and used == {(proto, suite)},
              err + repr(used))
    rc, out, err = run("ls", "s3://%s/in/" % bucket, env=env)
    check("ls over https lists both keys", rc == 0 and b"blob.bin" in out and
          os.path.basename(PARQUET).encode() in out, err + out.decode("utf-8", "replace"))
    rc, out, err = run("cat", "s3://%s/in/%s" % (bucket, os.path.basename(PARQUET)), env=env)
    local = run("cat", PARQUET, env=env)
    check("a Parquet file (Impala's) read over https dumps the rows it dumps locally",
          rc == 0 and local[0] == 0 and out == local[1] and len(out) > 0, err)
    plain = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
    rc, out, err = run("get", "s3://%s/in/blob.bin" % bucket, "-o", os.path.join(tmp, "x"), env=plain)
    check("without AWS_CA_BUNDLE the private CA is refused, one line naming AWS_CA_BUNDLE",
          rc == 1 and "AWS_CA_BUNDLE" in err and len(err.strip().splitlines()) == 1, err)
    other = os.path.join(tmp, "other-ca")
    subprocess.run(["bash", os.path.join(HERE, "make-ca.sh"), other], check=True)
    rc, out, err = run("get", "s3://%s/in/blob.bin" % bucket, "-o", os.path.join(tmp, "y"),
                       env=dict(env, AWS_CA_BUNDLE=os.path.join(other, "ca.pem")))
    check("another CA's bundle is refused (exit 1, no object written)",
          rc == 1 and not os.path.exists(os.path.join(tmp, "y", "blob.bin")), err)


if __name__ == "__main__":
    run_against_swift(main, tls=True, before_tls=lambda env: make_bucket(env, "fdata-tls"))
