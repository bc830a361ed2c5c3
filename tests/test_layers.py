"""Imports go one way: domain <- ingest, engines, storage, bus, sim <- api, cli, web <- the composition root.
The domain and the engines know nothing of HTTP or SQL."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_layering_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_no_facial_recognition_dependency() -> None:
    text = (ROOT / "pyproject.toml").read_text().lower()
    for name in ("face_recognition", "deepface", "insightface", "dlib", "facenet", "mediapipe"):
        assert name not in text, name
