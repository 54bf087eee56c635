"""The event stream's pieces (hato.web.events): the wire format and the per-account limit."""

from __future__ import annotations

import pytest

from hato.web.events import EventStreams, TooManyStreams, encode_event


def test_each_line_of_data_is_a_data_line_and_a_blank_line_ends_the_event() -> None:
    # HTML Living Standard §9.2.6: the browser joins the data lines with LF
    assert encode_event("mailboxes", "[1,\n2]") == b"event: mailboxes\ndata: [1,\ndata: 2]\n\n"


def test_an_account_holds_a_bounded_number_of_streams_and_gets_them_back() -> None:
    streams = EventStreams(per_account=2)
    with streams.admit(1), streams.admit(1):
        with pytest.raises(TooManyStreams), streams.admit(1):
            pass
        with streams.admit(2):  # another account is not held up
            assert streams.open_streams() == 3
    assert streams.open_streams() == 0
    with streams.admit(1):
        pass
