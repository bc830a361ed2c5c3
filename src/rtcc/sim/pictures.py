"""Pictures for the simulated city's cameras, so the demo's viewer and video wall show something honest.

There is no video in a simulated city. Each camera's "snapshot" is drawn from what the simulator knows: a
dark street scene in the camera's direction, its name and kind, and the time, so a refreshing tile visibly
updates. Every picture says SIMULATED across it; nothing here pretends to be footage.
"""

from __future__ import annotations

import io
import math
import zlib
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 360


def _shade(seed: int, base: tuple[int, int, int]) -> tuple[int, int, int]:
    """The base colour a little lighter or darker, so neighbouring cameras' scenes differ."""
    shift = (seed % 23) - 11
    r, g, b = (max(0, min(255, c + shift)) for c in base)
    return (r, g, b)


def camera_picture(camera_id: str, name: str, kind: str, heading_deg: float | None, at: datetime) -> bytes:
    """A PNG of the simulated view from one camera at one moment."""
    seed = zlib.crc32(camera_id.encode())
    img = Image.new("RGB", (WIDTH, HEIGHT), _shade(seed, (24, 28, 36)))
    d = ImageDraw.Draw(img)
    horizon = HEIGHT // 2 - 20 + seed % 40
    d.rectangle([0, horizon, WIDTH, HEIGHT], fill=_shade(seed >> 3, (38, 40, 44)))
    # A road running away from the camera, and buildings either side, placed by the camera's id.
    vx = WIDTH // 2 + (seed % 160) - 80
    d.polygon([(vx - 6, horizon), (vx + 6, horizon), (WIDTH - 40, HEIGHT), (40, HEIGHT)], fill=(58, 60, 64))
    for i in range(6):
        y = horizon + (HEIGHT - horizon) * (i + 1) / 7
        w = 2 + i * 2
        d.line([(vx, horizon), (vx, HEIGHT)], fill=(180, 160, 60), width=1)
        d.rectangle([vx - w // 2, y, vx + w // 2, y + 4 + i * 2], fill=(200, 190, 120))
    for side in (-1, 1):
        for j in range(4):
            h = 60 + ((seed >> (j + 4)) % 90)
            x0 = vx + side * (30 + j * 70)
            x1 = x0 + side * 60
            left, right = min(x0, x1), max(x0, x1)
            d.rectangle([left, horizon - h, right, horizon], fill=_shade(seed >> j, (46, 52, 64)))
            lit = (seed >> (j + 2)) % 3
            for k in range(lit + 1):
                d.rectangle(
                    [left + 8 + k * 14, horizon - h + 12, left + 16 + k * 14, horizon - h + 22],
                    fill=(220, 200, 120),
                )
    # Something moving: a vehicle whose place along the road follows the clock.
    t = (at.timestamp() % 20) / 20
    cy = horizon + (HEIGHT - horizon) * t
    cw = 8 + 60 * t
    cx = vx + (WIDTH / 2 - 40 - vx) * t * 0.3
    d.rectangle([cx - cw / 2, cy - cw / 3, cx + cw / 2, cy], fill=(150, 40, 40))
    font = ImageFont.load_default(size=18)
    small = ImageFont.load_default(size=14)
    d.rectangle([0, 0, WIDTH, 28], fill=(0, 0, 0))
    d.text((8, 5), f"{name}", fill=(230, 230, 230), font=font)
    stamp = at.strftime("%Y-%m-%d %H:%M:%S UTC")
    d.text((WIDTH - 8 - d.textlength(stamp, font=small), 8), stamp, fill=(230, 230, 230), font=small)
    facing = "" if heading_deg is None else f" · facing {round(heading_deg):03d}° {_compass(heading_deg)}"
    d.text((8, HEIGHT - 22), f"{kind.replace('_', ' ')}{facing}", fill=(200, 200, 200), font=small)
    big = ImageFont.load_default(size=44)
    label = "SIMULATED"
    d.text(
        ((WIDTH - d.textlength(label, font=big)) / 2, HEIGHT / 2 - 40),
        label,
        fill=(255, 255, 255, 60),
        font=big,
    )
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()


def _compass(deg: float) -> str:
    points = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
    return points[math.floor((deg % 360) / 45 + 0.5) % 8]
