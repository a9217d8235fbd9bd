"""Postfix's `smtp-sink` (Debian package `postfix`) as the benchmark's SMTP server.

A real SMTP server written in C: it takes messages as fast as the network gives them and
appends each mail transaction to a dump file (envelope recipients as `X-Rcpt-Args`, then
the message as received), so the benchmark can count deliveries per recipient and
Message-ID exactly as it does with the aiosmtpd sink, without the server's own Python
being what limits the rate.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MARK = "WARROOM-SINK"


def available() -> bool:
    return shutil.which("smtp-sink") is not None or Path("/usr/sbin/smtp-sink").exists()


def start(port: int) -> tuple[subprocess.Popen[bytes], Path]:
    """The server listening on 127.0.0.1:`port`, and the dump file it appends to."""
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    folder = Path(tempfile.mkdtemp(prefix="warroom-smtp-sink-"))
    dump = folder / "dump"
    args = [binary, "-S", MARK + r"\n", "-D", str(dump)]
    if os.geteuid() == 0:  # as root, smtp-sink must be told a user to become
        folder.chmod(0o777)  # a folder of its own, which that user can write
        args += ["-u", "nobody"]
    proc = subprocess.Popen([*args, f"127.0.0.1:{port}", "256"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"smtp-sink exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, dump
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"smtp-sink did not listen on 127.0.0.1:{port}")


def deliveries(dump: Path) -> list[tuple[str, str]]:
    """(Message-ID, recipient) for every recipient of every message in the dump."""
    out: list[tuple[str, str]] = []
    if not dump.exists():
        return out
    rcpts: list[str] = []
    mid: str | None = None
    in_headers = False

    def flush() -> None:
        out.extend((mid or "-", r) for r in rcpts)

    for line in dump.read_text(errors="replace").splitlines():
        if line == MARK:
            flush()
            rcpts, mid, in_headers = [], None, True
        elif in_headers:
            if line == "":
                in_headers = False
            elif line.startswith("X-Rcpt-Args: "):
                rcpts.append(line.split(": ", 1)[1].strip().strip("<>").split(">")[0])
            elif line.lower().startswith("message-id:"):
                mid = line.split(":", 1)[1].strip()
    flush()
    return out
