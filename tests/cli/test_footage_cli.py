"""`rtcc footage list` and `rtcc footage verify`: an exported clip is listed with its case and hash, a
verification says match for the file as exported and mismatch (exit 1) for an altered one, and each check
is added to the clip's chain of custody."""

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from rtcc.main import cli
from rtcc.storage.db import Database
from rtcc.storage.footage import ExportedClip, Footage
from tests.conftest import World

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def clip(db: Database, world: World, tmp_path: Path) -> tuple[ExportedClip, Path]:
    """A clip as the export leaves it: a short MP4 of ffmpeg's test pattern and its record."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path / "data" / "clips" / "clip-1.mp4"
    path.parent.mkdir(parents=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=5", "-t", "1",
         "-c:v", "libx264", "-preset", "ultrafast", str(path)],
        check=True,
    )  # fmt: skip
    at = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    record = ExportedClip(
        id="clip-1",
        agency_id=world.agency_id,
        camera_id="CAM-7",
        camera_name="Broad and High",
        requested_start=at,
        requested_end=at + timedelta(seconds=30),
        clip_start=at,
        clip_end=at + timedelta(seconds=30),
        purpose="hit and run",
        case_number="2026-000777",
        exported_by="u1",
        exported_by_name="analyst",
        exported_at=at + timedelta(hours=1),
        file_name=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        size_bytes=path.stat().st_size,
    )
    Footage(db).add_clip(record, "127.0.0.1")
    return record, path


def test_the_clips_are_listed_with_case_and_hash(clip: tuple[ExportedClip, Path]) -> None:
    record, _ = clip
    result = runner.invoke(cli, ["footage", "list", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [listed] = orjson.loads(result.output)
    assert (listed["id"], listed["case_number"], listed["sha256"]) == ("clip-1", "2026-000777", record.sha256)
    assert runner.invoke(cli, ["footage", "list"], catch_exceptions=False).exit_code == 0


def test_verify_says_match_then_mismatch_after_the_file_is_altered(
    clip: tuple[ExportedClip, Path], db: Database
) -> None:
    record, path = clip
    ok = runner.invoke(cli, ["footage", "verify", "clip-1"], catch_exceptions=False)
    assert ok.exit_code == 0 and ok.output.startswith("match")

    path.write_bytes(path.read_bytes()[:-10])  # truncated
    bad = runner.invoke(cli, ["footage", "verify", "clip-1"], catch_exceptions=False)
    assert bad.exit_code == 1 and "MISMATCH" in bad.output and record.sha256 in bad.output

    path.unlink()
    gone = runner.invoke(cli, ["footage", "verify", "clip-1"], catch_exceptions=False)
    assert gone.exit_code == 1 and "missing" in gone.output

    unknown = runner.invoke(cli, ["footage", "verify", "no-such-clip"])
    assert unknown.exit_code == 2

    custody = Footage(db).custody("clip-1")
    assert [(e.action, e.hash_matched) for e in custody] == [
        ("exported", True),
        ("verified", True),
        ("verified", False),
        ("verified", False),
    ]
