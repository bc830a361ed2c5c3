"""The shipped network file is exactly what tools/build_city.py makes from the extract."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PBF = ROOT.parent / "shared" / "data" / "osm" / "columbus.osm.pbf"  # shared/ sits beside the checkout
SHIPPED = ROOT / "src" / "rtcc" / "sim" / "data" / "columbus_streets.npz"


@pytest.mark.skipif(not PBF.exists(), reason="the OpenStreetMap extract is not on this machine")
def test_rebuild_matches_the_shipped_file(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    spec = importlib.util.spec_from_file_location("build_city", ROOT / "tools" / "build_city.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "columbus_streets.npz"
    stats = module.build(PBF, out)
    assert stats["bytes"] < 2_000_000
    assert out.read_bytes() == SHIPPED.read_bytes()


def test_attribution_ships_with_the_data() -> None:
    text = (SHIPPED.parent / "ATTRIBUTION.md").read_text()
    assert "© OpenStreetMap contributors" in text and "ODbL" in text and "columbus.osm.pbf" in text
