"""One customer update to 10,000 email subscribers through a local SMTP server.

python -m bench.notify_bench [--subscribers N] [--concurrency C] [--batch B] [--runs R]

Measures the time to enqueue (one transaction, `send_customer_update`) and deliveries
per second by a worker process through a local SMTP server in its own process — Postfix's
`smtp-sink` (C; `--server smtp-sink`, the default when installed) or aiosmtpd
(`--server aiosmtpd`); then, in a second
run, SIGKILLs the worker mid-send, restarts it and checks that nothing was lost and that
the only repeats were in flight at the kill (at most the send concurrency), carrying the
same Message-ID. SQLite by default; WARROOM_BENCH_DATABASE_URL for PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tests.support.smtp import free_port

from bench import postfix_sink
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.service_layer.customer_updates import send_customer_update


def start(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


class Server:
    """The SMTP server of one run and what it received, as (Message-ID, recipient) pairs."""

    def __init__(self, kind: str, work: Path) -> None:
        self.kind, self.port = kind, free_port()
        if kind == "smtp-sink":
            self.proc: subprocess.Popen[Any]
            self.proc, self.path = postfix_sink.start(self.port)
        else:
            self.path = work / "received.txt"
            self.proc = start(["bench.smtp_sink", str(self.port), str(self.path)])

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the SMTP server ({self.kind}) exited with {self.proc.returncode}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()

    def received(self) -> list[tuple[str, str]]:
        if self.kind == "smtp-sink":
            return postfix_sink.deliveries(self.path)
        pairs = [line.split() for line in self.path.read_text().splitlines()]
        return [(mid, rcpt) for mid, rcpt in pairs]


def sent_count(wr: object) -> int:
    with wr.db.read.connect() as conn:  # type: ignore[attr-defined]
        return int(
            conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status == "sent")
            ).scalar_one()
        )


def one_run(
    n: int, batch: int, concurrency: int, *, kill_at: int | None, server: str
) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    url = os.environ.get("WARROOM_BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    wr = bootstrap(Settings(database_url=url, dev=True), migrate=True)
    smtp = Server(server, work)
    recipients = [f"subscriber{i:05d}@example.test" for i in range(n)]
    started = time.perf_counter()
    with wr.bus.uow_factory() as uow:
        send_customer_update(
            uow,
            wr.bus.context,
            update_id=f"bench-{work.name}",
            subject="Logging in is fixed",
            body="Logging in works again for all users. We are monitoring.",
            recipients=recipients,
        )
        uow.commit()
    enqueue_s = time.perf_counter() - started
    worker_args = ["bench.notify_worker", url, str(smtp.port), str(batch), str(concurrency)]
    worker = start(worker_args)
    began = time.perf_counter()
    killed = 0
    restarted = False
    while True:
        done = sent_count(wr)
        if kill_at is not None and not restarted and done >= kill_at:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed = done
            worker = start(worker_args)
            restarted = True
        if done >= n:
            break
        smtp.check()
        time.sleep(0.02)
    elapsed = time.perf_counter() - began
    worker.send_signal(signal.SIGTERM)
    worker.wait()
    smtp.stop()
    wr.close()
    lines = smtp.received()
    per_id = Counter(mid for mid, _ in lines)
    per_rcpt = Counter(rcpt for _, rcpt in lines)
    ids_of_rcpt: dict[str, set[str]] = {}
    for mid, rcpt in lines:
        ids_of_rcpt.setdefault(rcpt, set()).add(mid)
    return {
        "enqueue_s": enqueue_s,
        "deliveries_per_s": n / elapsed,
        "lost": float(len(set(recipients) - set(per_rcpt))),
        "repeats": float(sum(c - 1 for c in per_rcpt.values())),
        "repeats_with_new_message_id": float(sum(len(v) - 1 for v in ids_of_rcpt.values())),
        "distinct_message_ids": float(len(per_id)),
        "killed_after": float(killed),
    }


def reference(n: int, threads: int, server: str, *, prebuilt: bool = False) -> float:
    """Plain smtplib to the same kind of server, no database: each message built with the
    `email` package and sent with `send_message` (what a Python client usually does), or,
    `prebuilt`, bytes rendered before the clock starts and sent with `sendmail` (the
    transport alone: the ceiling of this machine)."""
    work = Path(tempfile.mkdtemp(prefix="warroom-ref-"))
    smtp = Server(server, work)
    port = smtp.port

    def build(k: int, i: int) -> EmailMessage:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = (
            "a@example.test",
            f"s{k}-{i}@example.test",
            "s",
        )
        mail["Message-ID"] = f"<{k}.{i}@example.test>"
        mail.set_content("Logging in works again for all users.")
        return mail

    rendered = {
        k: [build(k, i).as_bytes() for i in range(n // threads)] if prebuilt else []
        for k in range(threads)
    }

    def run(k: int) -> None:
        conn = smtplib.SMTP("127.0.0.1", port)
        for i in range(n // threads):
            if prebuilt:
                conn.sendmail("a@example.test", [f"s{k}-{i}@example.test"], rendered[k][i])
            else:
                conn.send_message(build(k, i))
        conn.quit()

    began = time.perf_counter()
    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    rate = (n // threads * threads) / (time.perf_counter() - began)
    smtp.stop()
    assert len(smtp.received()) == n // threads * threads, "the reference lost messages"
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--server",
        choices=("smtp-sink", "aiosmtpd"),
        default="smtp-sink" if postfix_sink.available() else "aiosmtpd",
    )
    a = parser.parse_args()
    plain, refs, wire = [], [], []
    for _ in range(a.runs):  # alternated, so the references see the same machine
        plain.append(one_run(a.subscribers, a.batch, a.concurrency, kill_at=None, server=a.server))
        refs.append(reference(3000, a.concurrency, a.server))
        wire.append(reference(3000, a.concurrency, a.server, prebuilt=True))
    print(
        f"server={a.server} subscribers={a.subscribers} batch={a.batch} "
        f"send_concurrency={a.concurrency} runs={a.runs}"
    )
    for key in ("enqueue_s", "deliveries_per_s"):
        values = [r[key] for r in plain]
        print(
            f"  {key}: median {statistics.median(values):.2f} (runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    ref = statistics.median(refs)
    mine = statistics.median(r["deliveries_per_s"] for r in plain)
    print(
        f"  reference (plain smtplib, no database): median {ref:.2f}/s "
        f"(runs: {', '.join(f'{v:.0f}' for v in refs)}); ratio {mine / ref:.2f}"
    )
    top = statistics.median(wire)
    print(
        f"  reference (pre-rendered bytes, sendmail, no database): median {top:.2f}/s "
        f"(runs: {', '.join(f'{v:.0f}' for v in wire)}); ratio {mine / top:.2f}"
    )
    kill = one_run(
        a.subscribers, a.batch, a.concurrency, kill_at=a.subscribers // 3, server=a.server
    )
    print("SIGKILL mid-send, then restart:")
    for key in (
        "killed_after",
        "lost",
        "repeats",
        "repeats_with_new_message_id",
        "distinct_message_ids",
    ):
        print(f"  {key}: {kill[key]:.0f}")
    ok = (
        kill["lost"] == 0
        and kill["repeats"] <= a.concurrency
        and kill["repeats_with_new_message_id"] == 0
    )
    print("kill check:", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
