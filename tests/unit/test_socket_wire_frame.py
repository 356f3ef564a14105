"""The text frames the sync sockets build once and write to every socket (api/sockets/outlet)."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from gatehouse.api.sockets.outlet import wire_frame


def parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as done:
        next(parser)
    frame: Frame = done.value.value
    return frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_wire_frame_is_the_frame_websockets_would_send(size: int) -> None:
    payload = b'{"x":"' + b"y" * max(0, size - 8) + b'"}'
    payload = payload[:size] if size < 8 else payload
    frame = parse(wire_frame(payload))
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.TEXT, True, payload)
    assert wire_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False)
