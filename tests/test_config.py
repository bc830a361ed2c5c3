"""Settings: environment, YAML file, refusal of placeholder secrets, and documentation of every setting."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from rtcc.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(RTCC_[A-Z0-9_]+)`", text))
    settings = {f"RTCC_{name.upper()}" for name in Settings.model_fields}
    missing = settings - documented
    assert not missing, f"settings missing from the README's configuration table: {sorted(missing)}"
    for name, info in Settings.model_fields.items():
        assert info.description, f"setting {name} has no description"


def test_production_refuses_a_missing_or_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RTCC_MODE", raising=False)
    monkeypatch.delenv("RTCC_SECRET_KEY", raising=False)
    for secret in ("", "change-me", "secret", "x" * 10):
        monkeypatch.setenv("RTCC_SECRET_KEY", secret)
        with pytest.raises(ValidationError, match="RTCC_SECRET_KEY"):
            Settings()
    monkeypatch.setenv("RTCC_SECRET_KEY", "k" * 40)
    assert Settings().mode == "production"


def test_demo_mode_runs_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.delenv("RTCC_SECRET_KEY", raising=False)
    assert Settings().secret_key


def test_a_yaml_file_sets_values_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "rtcc.yaml"
    config.write_text("mode: demo\nport: 9001\nmax_batch_items: 250\n")
    monkeypatch.setenv("RTCC_CONFIG_FILE", str(config))
    monkeypatch.setenv("RTCC_PORT", "9002")
    settings = Settings()
    assert (settings.mode, settings.port, settings.max_batch_items) == ("demo", 9002, 250)


def test_unknown_settings_and_bad_values_name_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_PORT", "eighty")
    with pytest.raises(ValidationError, match="port"):
        Settings()
    monkeypatch.delenv("RTCC_PORT")
    config = tmp_path / "rtcc.yaml"
    config.write_text("- not\n- a mapping\n")
    monkeypatch.setenv("RTCC_CONFIG_FILE", str(config))
    with pytest.raises(ValueError, match="expected a mapping"):
        Settings()


def test_a_tile_address_must_say_where_zoom_x_and_y_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_MAP_TILE_URL", "https://tiles.example.org/tile.png")
    with pytest.raises(ValidationError, match=r"map_tile_url[\s\S]*\{z\}, \{x\} and \{y\}"):
        Settings()
    monkeypatch.setenv("RTCC_MAP_TILE_URL", " https://tiles.example.org/{z}/{x}/{y}.png ")
    assert Settings().map_tile_url == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_links_sent_out_point_at_this_server_unless_told_otherwise() -> None:
    """Mailed links and the single sign-on return address use the port the server really listens on."""
    assert Settings(mode="demo", port=8123).public_url == "http://127.0.0.1:8123"
    behind_proxy = Settings(mode="demo", port=8123, public_base_url="https://rtcc.example.gov/")
    assert behind_proxy.public_url == "https://rtcc.example.gov"
