"""hato.web.compose: the API's send request into a message, by the standard encoder."""

from __future__ import annotations

import base64
import email
import email.policy

from hypothesis import given
from hypothesis import strategies as st

from hato.web.compose import ComposeError, compose

PDF = base64.b64encode(b"%PDF").decode()


def test_bcc_is_a_recipient_and_no_header() -> None:
    made = compose(
        {
            "From": {"Email": "alice@example.org", "Name": "山田 太郎"},
            "To": [{"Email": "bob@example.org"}],
            "Bcc": ["carol@example.org"],
            "Subject": "会議",
            "Text": "hello",
            "HTML": "<p>hello</p>",
            "Attachments": [{"Filename": "資料.pdf", "Content": PDF}],
        },
        "mail.test",
    )
    assert made.sender == "alice@example.org"
    assert made.recipients == ["bob@example.org", "carol@example.org"]
    parsed = email.message_from_bytes(made.content, policy=email.policy.default)
    assert parsed["Bcc"] is None and str(parsed["Subject"]) == "会議"
    assert [part.get_filename() for part in parsed.iter_attachments()] == ["資料.pdf"]


ADDRESSES = st.one_of(
    st.text(max_size=80),
    st.builds("{}@{}".format, st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20)),
)


@given(
    ADDRESSES,
    st.text(max_size=80),
    st.text(max_size=80),
    st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5))),
)
def test_any_request_is_a_message_or_refused_in_words(
    address: str, name: str, subject: str, odd: object
) -> None:
    for body in (
        {"From": {"Email": address, "Name": name}, "To": [address], "Subject": subject},
        {"From": "a@example.org", "To": [{"Email": "b@example.org", "Name": name}], "Cc": odd},
        {"From": "a@example.org", "To": ["b@example.org"], "Attachments": [{"Content": odd}]},
    ):
        try:
            made = compose(body, "mail.test")
        except ComposeError as refused:
            assert str(refused)
        else:
            assert made.recipients and b"\r\n\r\n" in made.content
