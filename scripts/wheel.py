#!/usr/bin/env python3
"""Writes dist/gentrain-<version>-py3-none-linux_<arch>.whl: the Python package with libgentrain.so
(Swift runtime inside) and the shared libraries it needs beyond the C and C++ runtimes — OpenBLAS
and its Fortran runtime, libgomp and oneDNN (both opened at run time, oneDNN when present) — each
found through the library's RUNPATH $ORIGIN, so `pip install` of the one file gives a working
`import gentrain` with no toolchain, no system install and no GENTRAIN_LIBRARY.

    python3 scripts/wheel.py build/libgentrain.so.0 [dist]    (scripts/wheel.sh builds, then runs this)

With it goes gentrain._native (the per-op path in C, built beside the library by CMake) when it
was built; it is compiled against CPython's stable ABI (Python 3.9 and later), and the package
falls back to ctypes where it does not load, so the Python tag stays py3-none.

The tag is the plain platform's (linux_x86_64), not manylinux: the bundled libraries come from
this Debian and were not checked against a manylinux policy.
"""
import base64
import csv
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PACKAGE = os.path.join(ROOT, "bindings", "python")
# Libraries every Linux system has (glibc's, the C++ runtime): never bundled.
SYSTEM = re.compile(r"^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.")
# Opened with dlopen by the engine, so ldd does not list them; bundled when this machine has them.
OPENED = ["libgomp.so.1", "libdnnl.so.2"]


def project_version():
    text = open(os.path.join(PACKAGE, "pyproject.toml")).read()
    return re.search(r'^version = "([^"]+)"', text, flags=re.M).group(1)


def needed(path):
    """{soname: resolved path} of the libraries `path` loads (ldd: transitively), system ones left out."""
    out = subprocess.run(["ldd", path], check=True, capture_output=True, text=True).stdout
    found = {}
    for name, resolved in re.findall(r"^\s*(\S+) => (\S+)", out, flags=re.M):
        if resolved == "not":
            sys.exit(f"wheel: {path} needs {name}, which this machine lacks")
        if not SYSTEM.match(name):
            found[name] = resolved
    return found


def system_library(soname):
    """The path ldconfig knows for `soname`, or None."""
    out = subprocess.run(["ldconfig", "-p"], check=True, capture_output=True, text=True).stdout
    m = re.search(rf"^\s*{re.escape(soname)} \(.*x86-64.*\) => (\S+)", out, flags=re.M)
    return m.group(1) if m else None


def bundle(library, target):
    """Copies libgentrain and what it needs into `target`, every one with RUNPATH $ORIGIN."""
    libraries = {"libgentrain.so.0": library}
    for soname in OPENED:
        path = system_library(soname)
        if path:
            libraries[soname] = path
    for path in list(libraries.values()):
        libraries.update(needed(path))
    for soname, path in libraries.items():
        copy = os.path.join(target, soname)
        shutil.copyfile(os.path.realpath(path), copy)
        os.chmod(copy, 0o755)
        subprocess.run(["patchelf", "--set-rpath", "$ORIGIN", copy], check=True)
    return sorted(libraries)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def write_wheel(stage, dist, version, tag):
    os.makedirs(dist, exist_ok=True)
    info = f"gentrain-{version}.dist-info"
    metadata = "\n".join([
        "Metadata-Version: 2.1", "Name: gentrain", f"Version: {version}",
        "Summary: An embeddable training runtime for neural networks (autograd, optimizers, mixed precision, "
        "data parallel) with PyTorch's names",
        "Requires-Python: >=3.9", "Requires-Dist: numpy", "Provides-Extra: examples",
        'Requires-Dist: matplotlib; extra == "examples"', 'Requires-Dist: tqdm; extra == "examples"', "", ""])
    wheel = f"Wheel-Version: 1.0\nGenerator: gentrain scripts/wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    path = os.path.join(dist, f"gentrain-{version}-{tag}.whl")
    rows = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for folder, _, files in sorted(os.walk(stage)):
            for f in sorted(files):
                full = os.path.join(folder, f)
                name = os.path.relpath(full, stage)
                data = open(full, "rb").read()
                info_ = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info_.external_attr = (os.stat(full).st_mode & 0o777) << 16
                info_.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info_, data)
                rows.append(record_line(name, data))
        for name, text in ((f"{info}/METADATA", metadata), (f"{info}/WHEEL", wheel)):
            z.writestr(name, text)
            rows.append(record_line(name, text.encode()))
        rows.append([f"{info}/RECORD", "", ""])
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        z.writestr(f"{info}/RECORD", buffer.getvalue())
    return path


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    library = sys.argv[1]
    dist = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "dist")
    version = project_version()
    tag = f"py3-none-linux_{platform.machine()}"
    with tempfile.TemporaryDirectory() as stage:
        shutil.copytree(os.path.join(PACKAGE, "gentrain"), os.path.join(stage, "gentrain"),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "libgentrain.so*", "_native*.so"))
        bundled = bundle(library, os.path.join(stage, "gentrain"))
        native = os.path.join(os.path.dirname(os.path.abspath(library)), "_native.abi3.so")
        if os.path.exists(native):
            shutil.copyfile(native, os.path.join(stage, "gentrain", "_native.abi3.so"))
            bundled.append("_native.abi3.so")
        path = write_wheel(stage, dist, version, tag)
    print(f"{path} ({os.path.getsize(path) / 1e6:.1f} MB; bundles {', '.join(bundled)})")


if __name__ == "__main__":
    main()
