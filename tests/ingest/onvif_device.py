"""A small ONVIF device for tests: a SOAP 1.2 service on the loopback interface that answers the calls an
ONVIF client makes to find a camera's profiles, addresses and PTZ abilities, and checks each request's
WS-Security UsernameToken (password digest = Base64(SHA-1(nonce + created + password)), as the ONVIF Core
Specification and the OASIS UsernameToken Profile define it).

Operations: device GetServices, GetCapabilities, GetDeviceInformation, GetSystemDateAndTime (no login);
media GetProfiles, GetStreamUri, GetSnapshotUri; PTZ GetNodes, GetConfigurations."""

from __future__ import annotations

import base64
import hashlib
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
TT = "http://www.onvif.org/ver10/schema"
OPEN_OPERATIONS = {"GetSystemDateAndTime"}  # answered without a login, as the standard allows


@dataclass
class Profile:
    token: str
    name: str
    width: int
    height: int
    stream: str
    snapshot: str | None


@dataclass
class DeviceSpec:
    username: str = "onvif-admin"
    password: str = "0nvif-pw!"
    manufacturer: str = "Acme"
    model: str = "PTZ-4000"
    ptz: bool = True
    services: bool = True  # False: an older device without GetServices (clients fall back to GetCapabilities)
    profiles: list[Profile] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def digest(nonce: bytes, created: str, password: str) -> str:
    sha1 = hashlib.sha1(nonce + created.encode() + password.encode())  # the profile's digest is SHA-1
    return base64.b64encode(sha1.digest()).decode()


def _authorized(envelope: ET.Element, spec: DeviceSpec) -> bool:
    token = envelope.find(f".//{{{WSSE}}}UsernameToken")
    if token is None:
        return False
    username = token.findtext(f"{{{WSSE}}}Username")
    password = token.find(f"{{{WSSE}}}Password")
    nonce = token.findtext(f"{{{WSSE}}}Nonce")
    created = token.findtext(f"{{{WSU}}}Created")
    if username != spec.username or password is None or not nonce or not created:
        return False
    if not (password.get("Type") or "").endswith("#PasswordDigest"):
        return False  # a password sent in the clear is not accepted
    return password.text == digest(base64.b64decode(nonce), created, spec.password)


def _service(ns: str, xaddr: str) -> str:
    return (
        f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{xaddr}</tds:XAddr>"
        "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
    )


def _range(lo: float, hi: float) -> str:
    return f"<tt:Min>{lo}</tt:Min><tt:Max>{hi}</tt:Max>"


def answer(operation: str, request: ET.Element, spec: DeviceSpec, base: str) -> str | None:
    """The response body for one operation; None when the device does not offer it."""
    if operation == "GetServices" and spec.services:
        services = _service(TDS, f"{base}/onvif/device_service") + _service(
            TRT, f"{base}/onvif/media_service"
        )
        if spec.ptz:
            services += _service(TPTZ, f"{base}/onvif/ptz_service")
        return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"
    if operation == "GetCapabilities":
        ptz = f"<tt:PTZ><tt:XAddr>{base}/onvif/ptz_service</tt:XAddr></tt:PTZ>" if spec.ptz else ""
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr></tt:Device>"
            f"<tt:Media><tt:XAddr>{base}/onvif/media_service</tt:XAddr></tt:Media>{ptz}"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )
    if operation == "GetSystemDateAndTime":
        now = datetime.now(UTC)
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
            "<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>"
            f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
            f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date>"
            "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )
    if operation == "GetDeviceInformation":
        return (
            f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{spec.manufacturer}</tds:Manufacturer>"
            f"<tds:Model>{spec.model}</tds:Model><tds:FirmwareVersion>5.7.3</tds:FirmwareVersion>"
            "<tds:SerialNumber>SN0001</tds:SerialNumber><tds:HardwareId>HW1</tds:HardwareId>"
            "</tds:GetDeviceInformationResponse>"
        )
    if operation == "GetProfiles":
        profiles = ""
        for p in spec.profiles:
            ptz = (
                '<tt:PTZConfiguration token="ptz0"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount>'
                "<tt:NodeToken>node0</tt:NodeToken></tt:PTZConfiguration>"
                if spec.ptz
                else ""
            )
            profiles += (
                f'<trt:Profiles token="{p.token}" fixed="true"><tt:Name>{p.name}</tt:Name>'
                f'<tt:VideoEncoderConfiguration token="venc-{p.token}"><tt:Name>{p.name}</tt:Name>'
                "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>"
                f"<tt:Resolution><tt:Width>{p.width}</tt:Width><tt:Height>{p.height}</tt:Height></tt:Resolution>"
                "<tt:Quality>4</tt:Quality></tt:VideoEncoderConfiguration>"
                f"{ptz}</trt:Profiles>"
            )
        return f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"
    if operation in ("GetStreamUri", "GetSnapshotUri"):
        token = request.findtext(f".//{{{TRT}}}ProfileToken")
        profile = next((p for p in spec.profiles if p.token == token), None)
        if profile is None:
            return None
        if operation == "GetStreamUri":
            protocol = request.findtext(f".//{{{TT}}}Protocol")
            if protocol != "RTSP":
                return None
        uri = profile.stream if operation == "GetStreamUri" else profile.snapshot
        if uri is None:
            return None
        return (
            f"<trt:{operation}Response><trt:MediaUri><tt:Uri>{uri}</tt:Uri>"
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
            "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
            f"</trt:MediaUri></trt:{operation}Response>"
        )
    if operation == "GetNodes" and spec.ptz:
        return (
            '<tptz:GetNodesResponse><tptz:PTZNode token="node0"><tt:Name>Dome</tt:Name>'
            "<tt:SupportedPTZSpaces>"
            "<tt:AbsolutePanTiltPositionSpace>"
            "<tt:URI>http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace</tt:URI>"
            f"<tt:XRange>{_range(-1, 1)}</tt:XRange><tt:YRange>{_range(-1, 0.5)}</tt:YRange>"
            "</tt:AbsolutePanTiltPositionSpace>"
            "<tt:AbsoluteZoomPositionSpace>"
            "<tt:URI>http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace</tt:URI>"
            f"<tt:XRange>{_range(0, 1)}</tt:XRange>"
            "</tt:AbsoluteZoomPositionSpace>"
            "</tt:SupportedPTZSpaces>"
            "<tt:MaximumNumberOfPresets>128</tt:MaximumNumberOfPresets><tt:HomeSupported>true</tt:HomeSupported>"
            "</tptz:PTZNode></tptz:GetNodesResponse>"
        )
    if operation == "GetConfigurations" and spec.ptz:
        return (
            '<tptz:GetConfigurationsResponse><tptz:PTZConfiguration token="ptz0"><tt:Name>PTZ</tt:Name>'
            "<tt:UseCount>2</tt:UseCount><tt:NodeToken>node0</tt:NodeToken>"
            "</tptz:PTZConfiguration></tptz:GetConfigurationsResponse>"
        )
    return None


def envelope(soap_ns: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{soap_ns}" xmlns:tds="{TDS}" '
        f'xmlns:trt="{TRT}" xmlns:tptz="{TPTZ}" xmlns:tt="{TT}" xmlns:ter="http://www.onvif.org/ver10/error">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def fault(soap_ns: str, subcode: str, text: str) -> bytes:
    return envelope(
        soap_ns,
        "<env:Fault><env:Code><env:Value>env:Sender</env:Value>"
        f"<env:Subcode><env:Value>{subcode}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{text}</env:Text></env:Reason></env:Fault>',
    )


def handler_for(spec: DeviceSpec) -> type[BaseHTTPRequestHandler]:
    class Device(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = ET.fromstring(body)
            soap_ns = request.tag[1:].partition("}")[0]
            payload = request.find(f"{{{soap_ns}}}Body")
            operation_el = payload[0] if payload is not None and len(payload) else None
            if operation_el is None:
                self._send(400, fault(soap_ns, "ter:InvalidArgs", "empty body"))
                return
            operation = operation_el.tag.partition("}")[2]
            spec.calls.append(operation)
            if operation not in OPEN_OPERATIONS and not _authorized(request, spec):
                spec.refused.append(operation)
                self._send(400, fault(soap_ns, "ter:NotAuthorized", "Sender not Authorized"))
                return
            base = f"http://{self.headers.get('Host')}"
            response = answer(operation, request, spec, base)
            if response is None:
                self._send(400, fault(soap_ns, "ter:ActionNotSupported", f"{operation} is not supported"))
                return
            self._send(200, envelope(soap_ns, response))

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Device


@contextmanager
def onvif_device(spec: DeviceSpec) -> Iterator[int]:
    """Serve the device on a free loopback port; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(spec))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
