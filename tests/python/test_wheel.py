"""`make wheel` (pytest, ctest python.wheel): the manylinux wheel auditwheel repaired installs
with plain pip into a fresh venv, and what it carries needs nothing from the machine beyond
the manylinux base (libc, libm, libpthread, ld.so...): ldd of the extension and of the CLI
resolves every other library inside the wheel's fastdata.libs; the console script `fastdata`
and `python -m fastdata` run the CLI; the package loads a file the CLI generated.
env: FDATA_ROOT (the source tree, default two levels up)."""
import glob
import os
import subprocess
import sys

import pytest

ROOT = os.environ.get("FDATA_ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# What manylinux lets a wheel take from the system (auditwheel's policy whitelist).
BASE = ("linux-vdso", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so",
        "ld-linux", "libgcc_s.so", "libstdc++.so", "libutil.so", "libresolv.so", "libz.so",
        "libexpat.so", "libcrypt.so", "libnsl.so", "libgthread", "libglib", "libX", "libGL",
        "libICE", "libSM", "libgobject")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    for old in glob.glob(os.path.join(ROOT, "dist", "fastdata-*.whl")):
        os.remove(old)
    subprocess.run(["make", "-C", ROOT, "--no-print-directory", "wheel"], check=True)
    wheels = glob.glob(os.path.join(ROOT, "dist", "fastdata-*manylinux*_x86_64.whl"))
    assert len(wheels) == 1, wheels
    venv = str(tmp_path_factory.mktemp("venv"))
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "--no-index",
                    "--disable-pip-version-check", wheels[0]], check=True)
    return venv


def _package_dir(venv):
    return glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "fastdata"))[0]


def test_ldd_resolves_inside_the_wheel(installed):
    pkg = _package_dir(installed)
    libs = os.path.realpath(os.path.join(pkg, "..", "fastdata.libs"))
    for elf in glob.glob(os.path.join(pkg, "_fastdata*.so")) + [os.path.join(pkg, "bin", "fastdata")]:
        out = subprocess.run(["ldd", elf], check=True, capture_output=True, text=True).stdout
        assert "not found" not in out, out
        outside = [line.strip() for line in out.splitlines() if "=>" in line and
                   not os.path.realpath(line.split("=>")[1].split()[0]).startswith(libs) and
                   not line.strip().startswith(BASE)]
        assert not outside, (elf, outside)
        assert any("fastdata.libs" in line and "libcurl" in line for line in out.splitlines()), out


def test_console_script_and_module_run_the_cli(installed, tmp_path):
    bin_dir = os.path.join(installed, "bin")
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTHONPATH", None)
    for cmd in (["fastdata", "--help"], [os.path.join(bin_dir, "python"), "-m", "fastdata", "--help"]):
        run = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert run.returncode == 0 and "load" in run.stdout + run.stderr, (cmd, run.stderr)
    run = subprocess.run(["fastdata", "gen", "ubiquant", str(tmp_path), "--files", "2",
                          "--rows-per-file", "1000"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    code = ("import fastdata, sys; t = fastdata.load(sys.argv[1], columns=['time_id', 'f_0']);"
            "print(t.num_rows, fastdata.__file__)")
    run = subprocess.run([os.path.join(bin_dir, "python"), "-c", code, str(tmp_path)],
                         capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert run.returncode == 0 and run.stdout.split()[0] == "2000", run.stdout + run.stderr
    assert run.stdout.split()[1].startswith(installed), run.stdout  # the wheel's, not the tree's


def test_build_without_dev_packages_points_at_install_deps(tmp_path):
    """A source build on a machine without the -dev packages (pkg-config finding none of
    them) names the missing ones and says how to get them."""
    env = dict(os.environ, PKG_CONFIG_LIBDIR=str(tmp_path), PKG_CONFIG_PATH=str(tmp_path))
    run = subprocess.run(["cmake", "-S", ROOT, "-B", str(tmp_path / "build")], env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0 and "scripts/install-deps.sh" in run.stderr, run.stderr[-2000:]
    assert "libzstd" in run.stdout + run.stderr
