"""ONVIF (Profile S/T) cameras: read a device's media profiles, each profile's stream and snapshot addresses,
and its pan-tilt-zoom abilities, and turn them into a camera registry entry.

Uses onvif-zeep-async, which ships the ONVIF WSDL and schema files, so nothing is fetched from the network
but the device itself. Requests are signed with a WS-Security UsernameToken (password digest). The
calls made: GetServices (GetCapabilities when a device has no GetServices), GetDeviceInformation,
Media GetProfiles, GetStreamUri (RTP-Unicast over RTSP) and GetSnapshotUri per profile, and PTZ GetNodes.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from onvif import ONVIFCamera  # type: ignore[import-untyped]
from onvif.exceptions import ONVIFError  # type: ignore[import-untyped]
from zeep.exceptions import Error as ZeepError

from rtcc.ingest.cameras_import import Login, split_login

ONVIF_TIMEOUT_S = 15.0
MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"


class OnvifFailed(Exception):
    """Why the device could not be read (never its password)."""


@dataclass(frozen=True, slots=True)
class Range:
    min: float
    max: float


@dataclass(slots=True)
class OnvifProfile:
    token: str
    name: str
    encoding: str | None = None
    width: int | None = None
    height: int | None = None
    stream_url: str | None = None
    snapshot_url: str | None = None
    ptz: bool = False  # the profile carries a PTZ configuration


@dataclass(slots=True)
class PtzAbilities:
    pan: Range | None = None
    tilt: Range | None = None
    zoom: Range | None = None
    presets: int | None = None
    home: bool = False

    @property
    def moves(self) -> bool:
        return self.pan is not None or self.tilt is not None or self.zoom is not None


@dataclass(slots=True)
class OnvifDevice:
    host: str
    port: int
    manufacturer: str | None = None
    model: str | None = None
    firmware: str | None = None
    profiles: list[OnvifProfile] = field(default_factory=list)
    ptz: PtzAbilities | None = None
    # Logins some devices write into the addresses they hand out, taken out of them.
    address_login: Login | None = None

    @property
    def has_ptz(self) -> bool:
        return self.ptz is not None and self.ptz.moves and any(p.ptz for p in self.profiles)

    def profile(self, token: str | None = None) -> OnvifProfile | None:
        """The named profile, or else the one with the most pixels (the main stream)."""
        if token is not None:
            return next((p for p in self.profiles if p.token == token), None)
        return max(self.profiles, key=lambda p: (p.width or 0) * (p.height or 0), default=None)


def _get(obj: Any, *path: str) -> Any:
    for name in path:
        if obj is None:
            return None
        obj = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    return obj


def _range(space: Any) -> Range | None:
    lo, hi = _get(space, "Min"), _get(space, "Max")
    return Range(float(lo), float(hi)) if lo is not None and hi is not None else None


def _first(items: Any) -> Any:
    return items[0] if items else None


def ptz_abilities(nodes: Any) -> PtzAbilities | None:
    """Ranges of absolute moves (pan, tilt, zoom) from the device's PTZ nodes."""
    for node in nodes or []:
        spaces = _get(node, "SupportedPTZSpaces")
        pan_tilt = _first(_get(spaces, "AbsolutePanTiltPositionSpace"))
        zoom = _first(_get(spaces, "AbsoluteZoomPositionSpace"))
        abilities = PtzAbilities(
            pan=_range(_get(pan_tilt, "XRange")),
            tilt=_range(_get(pan_tilt, "YRange")),
            zoom=_range(_get(zoom, "XRange")),
            presets=_get(node, "MaximumNumberOfPresets"),
            home=bool(_get(node, "HomeSupported")),
        )
        if abilities.moves:
            return abilities
    return None


async def _read(cam: ONVIFCamera, host: str, port: int) -> OnvifDevice:
    await cam.update_xaddrs()
    device = OnvifDevice(host=host, port=port)
    devicemgmt = await cam.create_devicemgmt_service()
    with contextlib.suppress(ONVIFError, ZeepError):
        info = await devicemgmt.GetDeviceInformation()
        device.manufacturer, device.model = _get(info, "Manufacturer"), _get(info, "Model")
        device.firmware = _get(info, "FirmwareVersion")
    if MEDIA_NS not in cam.xaddrs:
        raise OnvifFailed("the device offers no media service")
    media = await cam.create_media_service()
    for p in await media.GetProfiles() or []:
        token = str(_get(p, "token"))
        resolution = _get(p, "VideoEncoderConfiguration", "Resolution")
        profile = OnvifProfile(
            token=token,
            name=str(_get(p, "Name") or token),
            encoding=_get(p, "VideoEncoderConfiguration", "Encoding"),
            width=_get(resolution, "Width"),
            height=_get(resolution, "Height"),
            ptz=_get(p, "PTZConfiguration") is not None,
        )
        setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        stream = await media.GetStreamUri({"StreamSetup": setup, "ProfileToken": token})
        with contextlib.suppress(ONVIFError, ZeepError):  # not every profile (or device) has snapshots
            snapshot = await media.GetSnapshotUri({"ProfileToken": token})
            profile.snapshot_url = _get(snapshot, "Uri")
        profile.stream_url = _get(stream, "Uri")
        for name in ("stream_url", "snapshot_url"):
            url = getattr(profile, name)
            if url:
                clean, login = split_login(str(url))
                setattr(profile, name, clean)
                device.address_login = device.address_login or login
        device.profiles.append(profile)
    if PTZ_NS in cam.xaddrs:
        ptz = await cam.create_ptz_service()
        with contextlib.suppress(ONVIFError, ZeepError):
            device.ptz = ptz_abilities(await ptz.GetNodes())
    return device


async def read_device(
    host: str, port: int, username: str | None, password: str | None, *, timeout_s: float = ONVIF_TIMEOUT_S
) -> OnvifDevice:
    """What the ONVIF device at host:port offers. OnvifFailed with the reason when it cannot be read."""
    # no_cache: the library's WSDL cache is a file of its own; the shipped WSDL files are read directly.
    cam = ONVIFCamera(host, port, username, password, no_cache=True)
    try:
        async with asyncio.timeout(timeout_s):
            return await _read(cam, host, port)
    except TimeoutError:
        raise OnvifFailed(f"the device did not answer within {timeout_s:g} s") from None
    except ZeepError as exc:
        message = getattr(exc, "message", None) or type(exc).__name__
        raise OnvifFailed(f"the device refused the request: {message}") from None
    except ONVIFError as exc:
        raise OnvifFailed(f"the device could not be read: {exc.reason}") from None
    finally:
        with contextlib.suppress(Exception):
            await cam.close()


def registry_entry(
    device: OnvifDevice,
    *,
    camera_id: str,
    agency_id: str,
    profile_token: str | None = None,
    existing: dict[str, Any] | None = None,
    name: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    kind: str = "city_cctv",
) -> dict[str, Any]:
    """The camera registry row for the device: its chosen profile's addresses and whether it can pan, tilt
    or zoom, over the existing row's other fields when the camera is already registered."""
    profile = device.profile(profile_token)
    if profile is None:
        raise OnvifFailed(
            f"the device has no profile {profile_token!r}"
            if profile_token
            else "the device has no media profile"
        )
    row: dict[str, Any] = dict(existing or {})
    row.update(
        {
            "id": camera_id,
            "agency_id": agency_id,
            "ptz": device.has_ptz,
            "stream_url": profile.stream_url,
            "snapshot_url": profile.snapshot_url,
        }
    )
    described = " ".join(x for x in (device.manufacturer, device.model) if x)
    row["name"] = name or row.get("name") or described or camera_id
    row["kind"] = row.get("kind") or kind
    if lat is not None and lon is not None:
        row["lat"], row["lon"] = lat, lon
    if row.get("lat") is None or row.get("lon") is None:
        raise OnvifFailed("a new camera needs its position (latitude and longitude)")
    row.setdefault("status", "up")
    return row
