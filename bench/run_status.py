"""Status page throughput: warroom against a bare Starlette handler and nginx, in one run.

    .venv/bin/python bench/run_status.py [--rounds 3] [--seconds 8] [--connections 8]

Needs Debian's `wrk` and `nginx` (apt-get install -y wrk nginx-light). Everything runs on
127.0.0.1 and stops by itself; each load is bounded by --seconds. Prints a Markdown table of
medians over the rounds and writes bench/results/status.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
WARROOM = str(Path(PY).with_name("warroom"))
PATHS = {"page": "/status/", "json": "/status/api/v2/summary.json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=2).status_code < 500:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def seed(env: dict[str, str]) -> str:
    """Components, services and public incidents with updates; returns an admin token."""
    token = json.loads(
        subprocess.run(
            [WARROOM, "token", "create", "--role", "admin", "--name", "bench", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )["token"]
    return str(token)


def populate(base: str, token: str) -> str:
    client = httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    for name, group in (("API", "Platform"), ("Website", "Platform"), ("Email", None)):
        client.post("/api/v1/status/components", json={"name": name, "group": group})
    refs = []
    for i in range(6):
        inc = client.post(
            "/api/v1/incidents",
            json={
                "title": f"Incident {i}: logins failing",
                # sev3: resolved straight away, without the test plan sev1/sev2 need.
                "severity": "sev3",
                "visibility": "public",
                "force": True,
            },
        ).json()
        refs.append(inc["ref"])
        for n in range(3):
            client.post(
                f"/api/v1/incidents/{inc['ref']}/updates",
                json={"audience": "customers", "text": f"Update {n} on incident {i}."},
            )
        if i:
            client.post(f"/api/v1/incidents/{inc['ref']}/stage", json={"stage": "resolved"})
    client.close()
    return refs[0]


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def nginx_config(root: Path, site: Path, port: int) -> Path:
    conf = root / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; application/json json; application/atom+xml atom; }}
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        location /status/ {{ alias {site}/; index index.html; etag on; }}
    }}
}}
"""
    )
    (root / "tmp").mkdir(exist_ok=True)
    return conf


def updater(base: str, token: str, ref: str, stop_at: float, stats: dict[str, int]) -> None:
    """Post a note on a public incident every second, plus a customer update every 5 s."""
    with httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        n = 0
        while time.monotonic() < stop_at:
            began = time.monotonic()
            if n % 5 == 4:
                client.post(
                    f"/api/v1/incidents/{ref}/updates",
                    json={"audience": "customers", "text": f"Still working ({n})."},
                )
            else:
                client.post(f"/api/v1/incidents/{ref}/timeline", json={"text": f"note {n}"})
            stats["writes"] += 1
            n += 1
            time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx-light")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    work.chmod(0o755)  # nginx's workers run as an unprivileged user and read the export
    env = {
        **os.environ,
        "WARROOM_DEV": "1",
        "WARROOM_DATABASE_URL": f"sqlite:///{work}/warroom.db",
        "WARROOM_LOG_LEVEL": "warning",
    }
    wport, bport, nport = free_port(), free_port(), free_port()
    env["WARROOM_URL"] = f"http://127.0.0.1:{wport}"
    token = seed(env)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            start(
                [WARROOM, "serve", "--port", str(wport), "--no-worker"],
                env,
                work / "warroom.log",
            )
        )
        base = f"http://127.0.0.1:{wport}"
        wait_http(base + "/healthz")
        ref = populate(base, token)
        site = work / "site"
        subprocess.run([WARROOM, "status", "export", str(site)], env=env, check=True)
        bare_env = {**env, "WARROOM_BENCH_EXPORT": str(site), "PYTHONPATH": str(ROOT)}
        procs.append(
            start(
                [PY, "-m", "uvicorn", "bench.status_bare:app", "--port", str(bport),
                 "--log-level", "warning", "--no-access-log"],
                bare_env,
                work / "bare.log",
            )
        )  # fmt: skip
        procs.append(start([nginx, "-c", str(nginx_config(work, site, nport))], env, work / "ng"))
        targets = {
            "bare": f"http://127.0.0.1:{bport}",
            "warroom": base,
            "nginx": f"http://127.0.0.1:{nport}",
        }
        for url in targets.values():
            wait_http(url + "/status/")
        results: dict[str, list[dict[str, float]]] = {}
        for _round in range(args.rounds):
            for name, url in targets.items():
                for kind, path in PATHS.items():
                    wrk(url + path, 1, args.connections)  # warm up
                    results.setdefault(f"{name} {kind}", []).append(
                        wrk(url + path, args.seconds, args.connections)
                    )
            for kind, path in PATHS.items():
                stats = {"writes": 0}
                stop_at = time.monotonic() + args.seconds + 1
                thread = threading.Thread(
                    target=updater, args=(base, token, ref, stop_at, stats), daemon=True
                )
                thread.start()
                results.setdefault(f"warroom {kind} +updates", []).append(
                    {**wrk(base + path, args.seconds, args.connections), "writes": stats["writes"]}
                )
                thread.join()
        report(results, args)
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, list[dict[str, float]]], args: Any) -> None:
    med = {
        k: {m: statistics.median(r[m] for r in runs) for m in runs[0]}
        for k, runs in results.items()
    }
    lines = [
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds, medians",
        "",
        "| target | requests/s | p99 ms | vs bare | non-2xx |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, m in med.items():
        kind = "page" if " page" in key else "json"
        ratio = m["rps"] / med[f"bare {kind}"]["rps"]
        lines.append(
            f"| {key} | {m['rps']:.0f} | {m['p99_ms']:.2f} | {ratio:.2f}x | {m['non_2xx']:.0f} |"
        )
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "status.json").write_text(
        json.dumps({"args": vars(args), "runs": results, "medians": med}, indent=2)
    )


if __name__ == "__main__":
    main()
