"""`warroom export` and `warroom import` as commands: files, pipes, exit codes, messages."""

from __future__ import annotations

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
