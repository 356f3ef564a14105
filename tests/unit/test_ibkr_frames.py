"""IBKR ``/ws`` client frames as ibind sends them."""

import pytest

from gatehouse.api.sockets.auth import api_cookie_token
from gatehouse.api.sockets.ibkr_frames import FrameError, Tic, TopicRequest, parse


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("tic", Tic()),
        ("sor", TopicRequest(True, "or")),
        ("sor+{}", TopicRequest(True, "or")),
        ("spl", TopicRequest(True, "pl")),
        ("ssd+DU123", TopicRequest(True, "sd", "DU123")),
        (
            'smd+265598+{"fields":["31","84"]}',
            TopicRequest(True, "md", "265598", {"fields": ["31", "84"]}),
        ),
        ("umd+265598+{}", TopicRequest(False, "md", "265598")),
        ("usd+DU123+{}", TopicRequest(False, "sd", "DU123")),
        ("uor", TopicRequest(False, "or")),
    ],
)
def test_frames(text, frame):
    assert parse(text) == frame


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "unknown_message"),
        ("hi", "unknown_message"),
        ("xmd+1", "unknown_message"),
        ("smd+1+{bad", "invalid_arguments"),
        ("smd+1+[1]", "invalid_arguments"),
    ],
)
def test_bad_frames(text, code):
    with pytest.raises(FrameError) as error:
        parse(text)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("cookie", "token"),
    [
        ('{"session":"abc"}', "abc"),
        ("%7B%22session%22%3A%22abc%22%7D", "abc"),
        ("abc", "abc"),
        ('{"session":""}', None),
        ('{"other":"abc"}', None),
        ("{not json", None),
        ("", None),
    ],
)
def test_the_api_cookie(cookie, token):
    assert api_cookie_token(cookie) == token
