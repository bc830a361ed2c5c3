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


FACE_PACKAGES = (
    "face-recognition",
    "face_recognition",
    "deepface",
    "insightface",
    "dlib",
    "facenet",
    "mediapipe",
    "retinaface",
    "mtcnn",
    "opencv-python",
    "opencv-contrib-python",
    "face-alignment",
)


def test_no_facial_recognition_dependency_is_declared_or_installed() -> None:
    """The system has no facial recognition: nothing that provides it is a dependency or installed."""
    from importlib.metadata import distributions

    declared = (ROOT / "pyproject.toml").read_text().lower()
    installed = {(d.metadata["Name"] or "").lower() for d in distributions()}
    for name in FACE_PACKAGES:
        assert name not in declared, name
        assert name not in installed, name


def test_no_endpoint_offers_face_detection_or_recognition() -> None:
    from rtcc.app import create_app
    from rtcc.config import Settings

    spec = create_app(Settings(mode="demo", database_url="sqlite://")).openapi()
    text = str(spec).lower()
    assert "face" not in text and "biometric" not in text
