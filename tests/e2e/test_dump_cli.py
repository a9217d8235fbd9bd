"""`warroom export` and `warroom import` as commands: files, pipes, exit codes, messages."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Api, _truncate_pg, make_warroom
from tests.fakes import ManualClock
from tests.support.dataset import fill, snapshot
from warroom.adapters import db as database
from warroom.bootstrap import Warroom
from warroom.entrypoints.cli.main import app as cli_app

pytestmark = pytest.mark.postgres

WARROOM = str(Path(sys.executable).with_name("warroom"))


@pytest.fixture
def source(sqlite_url: str, clock: ManualClock) -> Iterator[Warroom]:
    wr = make_warroom(sqlite_url, clock)
    api = Api(wr)
    fill(wr, api, clock)
    api.close()
    yield wr
    wr.close()


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    _truncate_pg(pg_server_url)
    return pg_server_url


def snap(url: str) -> dict[str, list[dict[str, object]]]:
    db = database.open_database(url)
    try:
        with db.read.connect() as conn:
            return snapshot(conn)
    finally:
        db.dispose()


def test_export_to_a_file_then_import_refuses_a_second_time(
    source: Warroom, pg_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    dump = tmp_path / "backup.jsonl"
    done = runner.invoke(cli_app, ["export", "--out", str(dump), "--database-url", source.db.url])
    assert done.exit_code == 0, done.output
    assert "exported" in done.stderr and dump.read_bytes().startswith(b'{"format":"warroom-dump"')
    loaded = runner.invoke(cli_app, ["import", str(dump), "--database-url", pg_url])
    assert loaded.exit_code == 0, loaded.output
    assert "imported" in loaded.stderr
    assert snap(pg_url) == snap(source.db.url)
    again = runner.invoke(cli_app, ["import", str(dump), "--database-url", pg_url])
    assert again.exit_code == 1
    assert "import refused: the database is not empty" in again.stderr


def test_bad_input_exits_2_naming_the_line(
    source: Warroom, sqlite_template: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    exported = runner.invoke(cli_app, ["export", "--database-url", source.db.url])
    assert exported.exit_code == 0
    lines = exported.stdout_bytes.splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"row":{', b'"row":{"surprise":1,')
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"".join(lines))
    target = tmp_path / "target.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    result = runner.invoke(cli_app, ["import", str(broken), "--database-url", url])
    assert result.exit_code == 2
    assert "line 3 (table " in result.stderr and "unknown columns ['surprise']" in result.stderr
    assert "nothing was imported" in result.stderr
    missing = runner.invoke(cli_app, ["import", str(tmp_path / "nope"), "--database-url", url])
    assert missing.exit_code == 2 and "not a readable file" in missing.stderr
    # The valid dump from standard input still goes in: the failed run left nothing behind.
    piped = runner.invoke(
        cli_app, ["import", "-", "--database-url", url], input=exported.stdout_bytes
    )
    assert piped.exit_code == 0, piped.output
    assert snap(url) == snap(source.db.url)


def test_export_piped_into_import_between_processes(
    source: Warroom, pg_url: str, tmp_path: Path
) -> None:
    log = (tmp_path / "export.err").open("wb")
    exporter = subprocess.Popen(
        [WARROOM, "export", "--database-url", source.db.url], stdout=subprocess.PIPE, stderr=log
    )
    importer = subprocess.run(
        [WARROOM, "import", "-", "--database-url", pg_url],
        stdin=exporter.stdout,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert exporter.stdout is not None
    exporter.stdout.close()
    assert exporter.wait(timeout=60) == 0
    log.close()
    assert b"exported" in (tmp_path / "export.err").read_bytes()
    assert importer.returncode == 0, importer.stderr
    assert b"imported" in importer.stderr
    assert snap(pg_url) == snap(source.db.url)


ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def exported_rows(stderr: bytes) -> int:
    found = re.search(rb"exported (\d+) rows of \d+ tables", stderr)
    assert found, stderr
    return int(found.group(1))


def test_the_progress_bar_is_drawn_on_stderr_and_stdout_keeps_only_the_dump(
    source: Warroom, sqlite_template: Path, tmp_path: Path
) -> None:
    # There is no flag: the bar always goes to stderr. Piped, rich prints it once, finished,
    # without control codes; stdout carries nothing but the JSON Lines.
    piped = subprocess.run(
        [WARROOM, "export", "--database-url", source.db.url],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    rows = exported_rows(piped.stderr)
    assert re.search(rb"^export rows .* %d/%d " % (rows, rows), piped.stderr, re.M), piped.stderr
    assert b"\x1b" not in piped.stderr
    lines = piped.stdout.splitlines()
    assert all(json.loads(line) for line in lines)
    assert b"export rows" not in piped.stdout and b"\x1b" not in piped.stdout

    # stderr on a terminal (stdout still redirected): a live bar, redrawn in place.
    main, secondary = pty.openpty()
    out = tmp_path / "dump.jsonl"
    with out.open("wb") as target:
        exporter = subprocess.Popen(
            [WARROOM, "export", "--database-url", source.db.url], stdout=target, stderr=secondary
        )
        os.close(secondary)
        drawn = b""
        while True:  # drain the terminal while it runs, until the child closes it
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: no writer left
                break
            if not chunk:
                break
            drawn += chunk
        os.close(main)
        assert exporter.wait(timeout=120) == 0, drawn
    assert b"\x1b[?25l" in drawn and b"\r\x1b[2K" in drawn  # cursor hidden, line redrawn
    plain = ANSI.sub(b"", drawn)
    assert b"%d/%d" % (rows, rows) in plain and exported_rows(plain) == rows
    written = out.read_bytes().splitlines()
    assert written[1:] == lines[1:]  # the same rows as piped (the header's time differs)
    assert json.loads(written[0])["format"] == "warroom-dump"

    # Import shows bytes read out of the file's size, on stderr; stdout stays empty.
    dump = tmp_path / "backup.jsonl"
    dump.write_bytes(piped.stdout)
    target_db = tmp_path / "target.db"
    shutil.copy(sqlite_template, target_db)
    loaded = subprocess.run(
        [WARROOM, "import", str(dump), "--database-url", f"sqlite:///{target_db}"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == b""
    assert re.search(rb"^import .*\d+(\.\d+)?/\d+(\.\d+)? [kMG]?B ", loaded.stderr, re.M), (
        loaded.stderr
    )
    assert b"imported %d rows" % rows in loaded.stderr
