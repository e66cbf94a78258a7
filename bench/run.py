"""`make bench`: generate data at two sizes, measure, run a short load test, print the table with budgets.

Environment (all optional):

- ``DATABASE_URL``: a PostgreSQL server URL; the benchmark uses its own databases
  ``<name>_province`` and ``<name>_national`` on that server (dropped and recreated unless reused).
  Without it: SQLite files under ``var/bench/``.
- ``BENCH_SIZES`` (``province,national``), ``BENCH_PROVINCES`` (national size, 34),
  ``BENCH_COMMUNES`` (communes per province, 98), ``BENCH_DEPARTMENTS`` (20), ``BENCH_YEARS``
  (2: one published year, one open),
  ``BENCH_EVIDENCE`` (2 files per unit and year), ``BENCH_HEAVY`` (40 × 1 MB files on one sheet).
- ``BENCH_REPEAT`` (20 requests per page), ``BENCH_COMPUTE_REPEAT`` (3),
  ``BENCH_LOAD_USERS`` (20), ``BENCH_LOAD_SECONDS`` (30, at most 60),
  ``BENCH_LOAD_THINK`` (1.0: mean pause in seconds between a user's requests; 0 = stress test), ``BENCH_REUSE`` (1: keep a data set
  generated earlier with the same parameters), ``BENCH_TABLE_ONLY`` (1: print the table of the last
  measurements again).

The load run starts gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1 only and stops it afterwards.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402

# Budgets (docs/performance.md). They are stated for PostgreSQL at national size; the table shows
# met/missed for every run so a regression is visible on SQLite too.
BUDGETS = {
    "publish a province round": ("median", 2.0),
    "recompute the national ranking": ("median", 5.0),
    "export the national ranking (.xlsx)": ("median", 3.0),
    "save one leaf": ("p95", 0.050),
    "open a score sheet": ("p95", 0.200),
    "province ranking page": ("p95", 0.200),
    "heat-map page (national, every commune)": ("p95", 0.200),
    "unit dashboard": ("p95", 0.200),
    "manager's progress table": ("p95", 0.200),
}
PAGES = [name for name, (stat, _limit) in BUDGETS.items() if stat == "p95" and name != "save one leaf"]
LOAD_P95 = 0.300
ZIP_BOUND_MB = 34  # 16 MB in-memory spool (copied once when it rolls over to disk) + 1 MB chunks


def env_int(name, default):
    return int(os.environ.get(name, default))


def sizes():
    national = {
        "provinces": env_int("BENCH_PROVINCES", 34),
        "communes": env_int("BENCH_COMMUNES", 98),
        "departments": env_int("BENCH_DEPARTMENTS", 20),
        "years": env_int("BENCH_YEARS", 2),
    }
    province = {**national, "provinces": 1}
    wanted = os.environ.get("BENCH_SIZES", "province,national").split(",")
    return [(name, spec) for name, spec in (("province", province), ("national", national)) if name in wanted]


def database_for(size: str) -> tuple[str, Path]:
    base = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if base.startswith(("postgres://", "postgresql://")) else "sqlite"
    data_dir = ROOT / "var" / "bench" / f"{vendor}-{size}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        return f"sqlite:///{data_dir / 'parindex.sqlite3'}", data_dir
    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/') or 'parindex_bench'}_{size}"
    return urlunsplit(parts._replace(path="/" + name)), data_dir


def reset_database(url: str, data_dir: Path) -> None:
    import shutil

    for child in (
        "media",
        "parindex.sqlite3",
        "parindex.sqlite3-wal",
        "parindex.sqlite3-shm",
        "generated.json",
    ):
        path = data_dir / child
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    if url.startswith("postgres"):
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if name in ("test", "postgres", "template0", "template1") or not name.endswith(
            ("_province", "_national")
        ):
            raise SystemExit(f"refusing to drop database {name!r}")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')


def run_cmd(args, env, log: Path) -> float:
    started = time.perf_counter()
    with open(log, "a") as fh:
        fh.write(f"$ {' '.join(map(str, args))}\n")
        fh.flush()
        result = subprocess.run(args, env=env, stdout=fh, stderr=fh, cwd=ROOT)
    if result.returncode:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, args))}; see {log}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_run(spec: dict, env: dict, log: Path) -> dict:
    port = free_port()
    genv = {**env, "PARINDEX_BIND": f"127.0.0.1:{port}", "PARINDEX_LOG_LEVEL": "WARNING"}
    with open(log, "a") as fh:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py"], env=genv, cwd=ROOT, stdout=fh, stderr=fh
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {log}") from None
                time.sleep(0.5)
        return load.run(
            spec,
            port=port,
            users=env_int("BENCH_LOAD_USERS", 20),
            seconds=env_int("BENCH_LOAD_SECONDS", 30),
            think=float(os.environ.get("BENCH_LOAD_THINK", "1.0")),
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def bench_size(size: str, spec: dict) -> dict:
    url, data_dir = database_for(size)
    log = data_dir / "bench.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PARINDEX_DATA_DIR": str(data_dir),
        "PARINDEX_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
    }
    gen_args = [
        "--provinces",
        spec["provinces"],
        "--communes-per-province",
        spec["communes"],
        "--departments-per-province",
        spec["departments"],
        "--years",
        spec["years"],
        "--evidence",
        env_int("BENCH_EVIDENCE", 2),
        "--heavy-evidence",
        env_int("BENCH_HEAVY", 40),
        "--seed",
        1,
    ]
    marker = data_dir / "generated.json"
    generation = None
    if (
        os.environ.get("BENCH_REUSE") == "1"
        and marker.exists()
        and json.loads(marker.read_text())["args"] == gen_args
    ):
        generation = json.loads(marker.read_text())["seconds"]
        print(f"[{size}] reusing the data set in {data_dir}", file=sys.stderr)
    else:
        reset_database(url, data_dir)
        print(f"[{size}] migrate + generate_load {' '.join(map(str, gen_args))}", file=sys.stderr)
        run_cmd([BIN / "parindex", "migrate", "--noinput", "-v0"], env, log)
        run_cmd([BIN / "parindex", "createcachetable"], env, log)
        generation = run_cmd([BIN / "parindex", "generate_load", *map(str, gen_args)], env, log)
        marker.write_text(json.dumps({"args": gen_args, "seconds": generation}))
    print(f"[{size}] measuring", file=sys.stderr)
    out = data_dir / "measure.json"
    run_cmd([BIN / "python", Path(__file__).parent / "measure.py", "--out", out], env, log)
    result = json.loads(out.read_text())
    result["generation_seconds"] = generation
    print(f"[{size}] load run", file=sys.stderr)
    result["load_result"] = load_run(result["load"], env, log)
    return result


def fmt_s(value):
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def verdict(name, row, size, results):
    if name not in BUDGETS:
        return ""
    stat, limit = BUDGETS[name]
    value = row.get(stat)
    ok = value is not None and value <= limit
    note = f"{'met' if ok else 'MISSED'} (≤ {fmt_s(limit)} {stat})"
    if name in PAGES or name == "save one leaf":
        counts = {s: r["ops"].get(name, {}).get("queries") for s, r in results.items()}
        if len(set(counts.values())) > 1:
            note += f"; queries vary {counts}: MISSED"
            ok = False
    row["met"] = ok
    return note


def machine() -> str:
    import django

    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    db = os.environ.get("DATABASE_URL", "")
    if db.startswith("postgres"):
        import psycopg

        with psycopg.connect(urlunsplit(urlsplit(db)._replace(path="/postgres"))) as conn:
            dbv = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
    else:
        import sqlite3

        dbv = "SQLite " + sqlite3.sqlite_version
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), {mem} RAM, "
        f"Python {platform.python_version()}, Django {django.get_version()}, {dbv}"
    )


def main():
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    out_dir = ROOT / "var" / "bench"
    results = {}
    for size, spec in sizes():
        saved = out_dir / f"{vendor}-{size}.json"
        if os.environ.get("BENCH_TABLE_ONLY") == "1":  # rebuild the table from the last measurements
            results[size] = json.loads(saved.read_text())
            continue
        results[size] = bench_size(size, spec)
        saved.write_text(json.dumps(results[size], indent=1, default=str))
    lines = [f"machine: {machine()}", ""]
    header = "| size | operation | median | p95 | queries | peak MB | SQL lower bound | ratio | budget |"
    lines += [header, "|---|---|---|---|---|---|---|---|---|"]
    for size, result in results.items():
        data = result["data"]
        lines.append(
            f"| {size} | data: {data['units']} units, {data['communes']} communes/wards, {data['scores']} scores, "
            f"{data['unit_results']} unit results, {data['years']} years; generated in "
            f"{fmt_s(result['generation_seconds'])} | | | | | | | |"
        )
        for name, row in result["ops"].items():
            lower = row.get("lower_bound")
            ratio = f"{row['median'] / lower:.0f}×" if lower and row.get("median") else ""
            extra = f" ({row['units']} units)" if row.get("units") else ""
            lines.append(
                f"| {size} | {name}{extra} | {fmt_s(row.get('median'))} | {fmt_s(row.get('p95'))} | "
                f"{row.get('queries', '')} | {row.get('memory_mb', 0):.1f} | {fmt_s(lower) if lower else ''} | {ratio} | "
                f"{verdict(name, row, size, results)} |"
            )
        z = result.get("zip", {})
        if z:
            large = z["large"]
            ok = large["memory_mb"] <= ZIP_BOUND_MB
            lines.append(
                f"| {size} | ZIP memory: {z['small']['bytes'] / 1e6:.2f} MB ZIP → {z['small']['memory_mb']:.1f} MB, "
                f"{large['bytes'] / 1e6:.1f} MB ZIP → {large['memory_mb']:.1f} MB | | | | | | | "
                f"{'met' if ok else 'MISSED'} (bounded ≤ {ZIP_BOUND_MB} MB) |"
            )
        lr = result["load_result"]
        ok = lr["p95"] is not None and lr["p95"] <= LOAD_P95 and lr["errors"] == 0
        lines.append(
            f"| {size} | load: {lr['users']} users (think {lr.get('think', 0)} s) × {lr['seconds']} s on gunicorn, {lr['requests']} requests, "
            f"{lr['throughput']:.1f} req/s, {lr['errors']} errors {lr['error_kinds'] or ''} | {fmt_s(lr['median'])} | "
            f"{fmt_s(lr['p95'])} | | | | | {'met' if ok else 'MISSED'} (≤ {fmt_s(LOAD_P95)} p95, no errors) |"
        )
        for name, r in lr["by_request"].items():
            lines.append(
                f"| {size} | load · {name} ({r['n']}) | {fmt_s(r['median'])} | {fmt_s(r['p95'])} | | | | | |"
            )
    table = "\n".join(lines)
    print(table)
    (out_dir / f"{vendor}-table.md").write_text(table + "\n")
    (out_dir / f"{vendor}-results.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"\n(saved to var/bench/{vendor}-table.md and {vendor}-results.json)", file=sys.stderr)


if __name__ == "__main__":
    main()
