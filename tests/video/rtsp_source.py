"""A real RTSP camera on the loopback interface for tests: ffmpeg draws a test pattern and pushes it (RTSP
ANNOUNCE/RECORD, RTP interleaved on TCP) to a small relay, which serves it to any number of pullers
(DESCRIBE/SETUP/PLAY, RTP interleaved on TCP), as a camera or a media server would.

ffmpeg cannot serve RTSP to a puller by itself, so the relay is the server part; everything on the wire is
real RTSP and RTP made and read by ffmpeg. The relay optionally asks for a user name and password (Basic),
like a camera with credentials.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A player that cannot keep up is dropped rather than holding the publisher back.
MAX_PLAYER_BUFFER = 4 * 1024 * 1024


@dataclass
class Path_:
    sdp: bytes = b""
    # publisher's interleaved channel -> (stream id)
    publisher_channels: dict[int, str] = field(default_factory=dict)
    # player writer -> {stream id: player's RTP channel}
    players: dict[asyncio.StreamWriter, dict[str, int]] = field(default_factory=dict)


class RtspRelay:
    """Accepts one publisher per path and serves what it publishes to every player of that path."""

    def __init__(self, credentials: tuple[str, str] | None = None):
        self.credentials = credentials
        self.paths: dict[str, Path_] = {}
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.describes = 0  # how many pulls were asked for (players that got the stream's description)
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        future.result(timeout=5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server:
                self._server.close()
            for path in self.paths.values():
                for writer in list(path.players):
                    writer.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)

    def players(self, name: str) -> int:
        path = self.paths.get(name)
        return len(path.players) if path else 0

    def publishing(self, name: str) -> bool:
        path = self.paths.get(name)
        return bool(path and path.sdp and path.publisher_channels)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = f"{id(writer):x}"
        role: str | None = None
        path_name = ""
        try:
            while True:
                first = await reader.readexactly(1)
                if first == b"$":
                    framing = await reader.readexactly(3)  # channel, then length
                    payload = await reader.readexactly(int.from_bytes(framing[1:], "big"))
                    if role == "publisher":
                        self._forward(path_name, framing[0], payload)
                    continue
                head = first + await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, url, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                cseq = headers.get("cseq", "0")
                target = urlsplit(url).path.strip("/")
                if not self._authorised(headers):
                    self._reply(writer, cseq, 401, {"WWW-Authenticate": 'Basic realm="camera"'})
                    continue
                if method == "OPTIONS":
                    self._reply(
                        writer,
                        cseq,
                        200,
                        {
                            "Public": "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER"
                        },
                    )
                elif method == "ANNOUNCE":
                    role, path_name = "publisher", target
                    self.paths.setdefault(path_name, Path_()).sdp = body
                    self._reply(writer, cseq, 200, {})
                elif method == "DESCRIBE":
                    path = self.paths.get(target)
                    if path is None or not path.sdp:
                        self._reply(writer, cseq, 404, {})
                        continue
                    role, path_name = "player", target
                    self.describes += 1
                    base = url if url.endswith("/") else url + "/"
                    self._reply(
                        writer,
                        cseq,
                        200,
                        {"Content-Type": "application/sdp", "Content-Base": base},
                        path.sdp,
                    )
                elif method == "SETUP":
                    stream = target.rpartition("/")[2]
                    transport = headers.get("transport", "")
                    if "interleaved=" not in transport:
                        # UDP is not offered: tests pull over TCP, as the gateway does.
                        self._reply(writer, cseq, 461, {})
                        continue
                    channel = int(transport.partition("interleaved=")[2].split("-")[0].split(";")[0])
                    path = self.paths.setdefault(path_name, Path_())
                    if role == "publisher":
                        path.publisher_channels[channel] = stream
                    else:
                        path.players.setdefault(writer, {})[stream] = channel
                        # Not yet playing: frames start on PLAY.
                        path.players[writer]["__paused__"] = 1
                    self._reply(writer, cseq, 200, {"Transport": transport, "Session": session})
                elif method in ("RECORD", "PLAY"):
                    if role == "player":
                        path = self.paths[path_name]
                        path.players.get(writer, {}).pop("__paused__", None)
                    self._reply(writer, cseq, 200, {"Session": session, "Range": "npt=0.000-"})
                elif method == "GET_PARAMETER":
                    self._reply(writer, cseq, 200, {"Session": session})
                elif method == "TEARDOWN":
                    self._reply(writer, cseq, 200, {"Session": session})
                    break
                else:
                    self._reply(writer, cseq, 405, {})
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            path = self.paths.get(path_name)
            if path is not None:
                path.players.pop(writer, None)
                if role == "publisher":
                    path.sdp, path.publisher_channels = b"", {}
            writer.close()

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        return headers.get("authorization") == expected

    def _forward(self, path_name: str, channel: int, payload: bytes) -> None:
        path = self.paths.get(path_name)
        if path is None:
            return
        # RTP on the even channel of a pair, RTCP on the odd one.
        stream = path.publisher_channels.get(channel - channel % 2)
        if stream is None:
            return
        for writer, streams in list(path.players.items()):
            if "__paused__" in streams or stream not in streams:
                continue
            transport = writer.transport
            if transport.is_closing() or transport.get_write_buffer_size() > MAX_PLAYER_BUFFER:
                path.players.pop(writer, None)
                writer.close()
                continue
            out = streams[stream] + channel % 2
            writer.write(b"$" + bytes([out]) + len(payload).to_bytes(2, "big") + payload)

    @staticmethod
    def _reply(
        writer: asyncio.StreamWriter, cseq: str, code: int, headers: dict[str, str], body: bytes = b""
    ) -> None:
        reasons = {200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
        lines = [f"RTSP/1.0 {code} {reasons.get(code, 'Error')}", f"CSeq: {cseq}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


@dataclass
class RtspCamera:
    relay: RtspRelay
    path: str
    publisher: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.relay.port}/{self.path}"

    def url_with(self, user: str, password: str) -> str:
        return f"rtsp://{user}:{password}@127.0.0.1:{self.relay.port}/{self.path}"


@contextmanager
def rtsp_camera(
    path: str = "cam1", *, credentials: tuple[str, str] | None = None, ffmpeg: str = "ffmpeg"
) -> Iterator[RtspCamera]:
    """A camera at rtsp://127.0.0.1:PORT/PATH showing ffmpeg's test pattern (320x240, 10 frames a second,
    H.264 with a key frame every second, the way a camera is set up for low latency)."""
    relay = RtspRelay(credentials)
    relay.start()
    auth = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
    publisher = subprocess.Popen(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            "-g", "10", "-bsf:v", "dump_extra",
            "-f", "rtsp", "-rtsp_transport", "tcp", f"rtsp://{auth}127.0.0.1:{relay.port}/{path}",
        ],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while not relay.publishing(path):
            if publisher.poll() is not None or time.monotonic() > deadline:
                err = publisher.stderr.read().decode() if publisher.stderr else ""
                raise RuntimeError(f"the test pattern did not reach the RTSP relay: {err}")
            time.sleep(0.05)
        yield RtspCamera(relay, path, publisher)
    finally:
        publisher.terminate()
        with suppress(subprocess.TimeoutExpired):
            publisher.wait(timeout=5)
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()
        if publisher.stderr:
            publisher.stderr.close()
        relay.stop()
