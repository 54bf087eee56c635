"""The mail view in a real browser: Debian's chromium, headless, driven by selenium.

One ``hato serve`` and one browser for the module. Mail comes in over SMTP, as it does in
use. A small HTTP server of the test's own (``Spy``) stands for every other host: the
hostile messages point their scripts, images, style sheets, links and forms at it, so any
request it records is something that ran or leaked.

Set HATO_SCREENSHOTS to a directory to keep a screenshot of the message view there (the
README's picture is made so).
"""

from __future__ import annotations

import base64
import http.server
import imaplib
import os
import smtplib
import threading
import time
from collections.abc import Iterator
from email.header import Header
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import screenshot
from tests.e2e.harness import HatoProcess

PASSWORD = "alice-pw"
ADMIN_PASSWORD = "root-pw"
WAIT = 10  # seconds any one thing may take to show in the browser (a bound, not a measure)
ATTACHMENT = bytes(range(256)) * 4 + b"the end"
GIF = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="  # one white pixel


class Spy(http.server.ThreadingHTTPServer):
    """Every other host on the web: records the path of each request it is sent."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _SpyHandler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _SpyHandler(http.server.BaseHTTPRequestHandler):
    server: Spy

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(base64.b64decode(GIF))

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def spy() -> Iterator[Spy]:
    server = Spy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(
        tmp_path_factory.mktemp("web") / "data", services=("smtp", "imap", "http")
    )
    process.add_user("alice", PASSWORD)
    process.add_user("root", ADMIN_PASSWORD, "--admin")
    process.start()
    yield process
    assert process.stop() == 0


def base_url(server: HatoProcess) -> str:
    return f"http://127.0.0.1:{server.ports['http']}"


def deliver(server: HatoProcess, message: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("sender@remote.example", ["alice@example.org"], message)


def encoded(text: str, charset: str) -> str:
    """An RFC 2047 encoded word of ``text`` in ``charset``."""
    return Header(text, charset).encode()


def report_message(spy: Spy, subject: str) -> bytes:
    """A message with a text part, a hostile HTML part and two attachments."""
    html = (
        "<html><head><title>planted</title>"
        f"<style>h1 {{ background: url({spy.origin}/css-image) }}</style>"
        f'<link rel="stylesheet" href="{spy.origin}/stylesheet"></head><body>'
        '<h1 id="greeting">The report</h1><img id="inline" src="cid:logo@report" alt="logo">'
        f"<script>document.title = 'script ran'; fetch('{spy.origin}/script')</script>"
        f'<img id="remote" src="{spy.origin}/image" alt="remote">'
        f'<a id="js-link" href="javascript:fetch(\'{spy.origin}/js-link\')">a link</a>'
        f'<form action="{spy.origin}/form" method="post"><button id="send">send</button></form>'
        "</body></html>"
    )
    japanese_name = encoded("請求書.pdf", "iso-2022-jp")
    return (
        "From: Ann Example <ann@remote.example>\r\n"
        "To: alice@example.org\r\n"
        f"Subject: {subject}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="outer"\r\n'
        "\r\n"
        "--outer\r\n"
        'Content-Type: multipart/alternative; boundary="inner"\r\n'
        "\r\n"
        "--inner\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "The report is attached.\r\n"
        "--inner\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "\r\n"
        f"{html}\r\n"
        "--inner--\r\n"
        "--outer\r\n"
        "Content-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="../../etc/report.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{base64.encodebytes(ATTACHMENT).decode()}"
        "--outer\r\n"
        "Content-Type: image/gif\r\n"
        "Content-ID: <logo@report>\r\n"
        "Content-Disposition: inline\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{GIF}\r\n"
        "--outer\r\n"
        "Content-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="{japanese_name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{base64.encodebytes(b'%PDF-1.4 tiny').decode()}"
        "--outer--\r\n"
    ).encode()


def japanese_message(subject: str, body: str, charset: str, number: int) -> bytes:
    head = (
        f"From: {encoded('山田太郎', charset)} <taro{number}@remote.example>\r\n"
        "To: alice@example.org\r\n"
        f"Subject: {encoded(subject, charset)}\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {'7bit' if charset == 'iso-2022-jp' else '8bit'}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body.encode(charset) + b"\r\n"


HOSTILE_SUBJECT = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def hostile_text_message(spy: Spy) -> bytes:
    return (
        'From: "<b>bold</b> Mallory" <mallory@remote.example>\r\n'
        "To: alice@example.org\r\n"
        f"Subject: {HOSTILE_SUBJECT}\r\n"
        "\r\n"
        f"javascript:fetch('{spy.origin}/text-link') and <a href=\"{spy.origin}/a\">a</a>\r\n"
    ).encode()


def log_in(
    browser: WebDriver, server: HatoProcess, name: str = "alice", password: str = PASSWORD
) -> None:
    browser.get(base_url(server) + "/")
    assert "/login" in browser.current_url, browser.current_url
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "nav.mailboxes"))


#: What a condition may meet while the page it looks at is being replaced (after a click
#: that submits a form, an element found on the old page is gone a moment later).
_IN_PASSING = (NoSuchElementException, StaleElementReferenceException)


def wait_for(browser: WebDriver, condition: object) -> object:
    waiting = WebDriverWait(browser, WAIT, ignored_exceptions=_IN_PASSING)
    return waiting.until(lambda _driver: condition())  # type: ignore[operator]


def follow(browser: WebDriver, element: WebElement) -> None:
    """Click a link or a submit button and wait until its page has been replaced: the
    browser may start the navigation after the click returns (a form's POST most of all),
    and an element looked up in between would be found, or missed, on the old page."""
    element.click()
    WebDriverWait(browser, WAIT).until(staleness_of(element))


def rows(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#message-list tbody tr")


def subjects(browser: WebDriver) -> list[str]:
    return [row.find_element(By.CSS_SELECTOR, "td.subject").text for row in rows(browser)]


def open_mailbox(browser: WebDriver, name: str) -> None:
    links = browser.find_elements(By.CSS_SELECTOR, "nav.mailboxes a")
    next(link for link in links if link.find_element(By.CSS_SELECTOR, ".name").text == name).click()
    wait_for(browser, lambda: browser.find_element(By.CSS_SELECTOR, "h1.mailbox-name").text == name)


def open_message(browser: WebDriver, subject: str) -> None:
    row = next(
        r for r in rows(browser) if r.find_element(By.CSS_SELECTOR, "td.subject").text == subject
    )
    row.find_element(By.CSS_SELECTOR, "td.subject a").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "h1.subject"))


# The tests run in order, one session of one person: log in, mail arrives, read it, ...


def test_log_in_and_see_the_inbox(browser: WebDriver, server: HatoProcess) -> None:
    log_in(browser, server)
    assert browser.find_element(By.CSS_SELECTOR, "h1.mailbox-name").text == "INBOX"
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "nav.mailboxes .name")]
    assert {"INBOX", "Trash"} <= set(names)
    assert not rows(browser)


def test_delivered_mail_appears_without_a_reload(
    browser: WebDriver, server: HatoProcess, spy: Spy
) -> None:
    browser.execute_script("window.notReloaded = true")
    deliver(server, report_message(spy, "Quarterly report"))
    wait_for(browser, lambda: subjects(browser) == ["Quarterly report"])
    assert browser.execute_script("return window.notReloaded") is True
    unseen = browser.find_element(By.CSS_SELECTOR, "nav.mailboxes li.current .unseen")
    wait_for(browser, lambda: unseen.text == "1")
    row = rows(browser)[0]
    assert "unread" in row.get_attribute("class")
    assert row.find_elements(By.CSS_SELECTOR, ".attachment-mark")
    assert row.find_element(By.CSS_SELECTOR, "td.from").text == "Ann Example"


def test_the_html_part_runs_no_script_and_loads_nothing_until_asked(
    browser: WebDriver, server: HatoProcess, spy: Spy
) -> None:
    open_message(browser, "Quarterly report")
    findings = browser.find_element(By.CSS_SELECTOR, "section.findings").text
    assert "html-mail" in findings  # what `hato lint` says of it
    page_title = browser.title
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.html-part")
    browser.switch_to.frame(frame)
    try:
        wait_for(browser, lambda: browser.find_elements(By.ID, "greeting"))
        title = browser.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert title == "planted"  # the planted script would have changed it
        inline = browser.find_element(By.ID, "inline")  # the message's own image, by cid:
        assert inline.get_attribute("src").startswith("data:image/gif;base64,")
        wait_for(browser, lambda: inline.get_property("naturalWidth") == 1)
        assert browser.find_element(By.ID, "remote").get_property("naturalWidth") == 0
        browser.find_element(By.ID, "js-link").click()
        browser.find_element(By.ID, "send").click()
    finally:
        browser.switch_to.default_content()
    time.sleep(0.5)  # give a script that did run the time to be seen by the spy
    assert browser.title == page_title
    assert spy.paths == []
    if os.environ.get("HATO_SCREENSHOTS"):
        browser.execute_script("window.scrollTo(0, 0)")
        screenshot(browser, Path(os.environ["HATO_SCREENSHOTS"]) / "web-message.png")

    browser.find_element(By.CSS_SELECTOR, "a.load-images").click()
    wait_for(browser, lambda: "/image" in spy.paths)
    assert not {"/script", "/js-link", "/form", "/stylesheet"} & set(spy.paths)


def test_an_attachment_downloads_with_its_bytes_and_a_safe_name(
    browser: WebDriver, downloads: Path
) -> None:
    links = browser.find_elements(By.CSS_SELECTOR, "a.attachment")
    assert [link.text for link in links] == ["report.bin", "請求書.pdf"]
    links[0].click()
    saved = downloads / "report.bin"
    wait_for(browser, saved.exists)
    wait_for(browser, lambda: saved.read_bytes() == ATTACHMENT)
    links[1].click()
    wait_for(browser, (downloads / "請求書.pdf").exists)
    assert sorted(p.name for p in downloads.iterdir() if not p.name.endswith(".crdownload")) == [
        "report.bin",
        "請求書.pdf",
    ]


def test_japanese_mail_in_every_charset_reads_right(
    browser: WebDriver, server: HatoProcess
) -> None:
    body = "お世話になっております。会議は十時からです。"
    for number, charset in enumerate(("iso-2022-jp", "shift_jis", "euc-jp", "utf-8")):
        deliver(server, japanese_message(f"会議の件 {charset}", body, charset, number))
    browser.find_element(By.CSS_SELECTOR, "nav.mailboxes li.current a").click()
    wait_for(browser, lambda: len(rows(browser)) == 5)
    for charset in ("iso-2022-jp", "shift_jis", "euc-jp", "utf-8"):
        assert f"会議の件 {charset}" in subjects(browser)
        open_message(browser, f"会議の件 {charset}")
        assert browser.find_element(By.CSS_SELECTOR, "pre.text").text == body
        assert "山田太郎" in browser.find_element(By.CSS_SELECTOR, "dd.from").text
        browser.back()


def test_hostile_headers_and_text_are_shown_as_text(
    browser: WebDriver, server: HatoProcess, spy: Spy
) -> None:
    deliver(server, hostile_text_message(spy))
    wait_for(browser, lambda: HOSTILE_SUBJECT in subjects(browser))
    assert "pwned" not in browser.title
    open_message(browser, HOSTILE_SUBJECT)
    assert browser.find_element(By.CSS_SELECTOR, "h1.subject").text == HOSTILE_SUBJECT
    assert "<b>bold</b> Mallory" in browser.find_element(By.CSS_SELECTOR, "dd.from").text
    text = browser.find_element(By.CSS_SELECTOR, "pre.text")
    assert not text.find_elements(By.CSS_SELECTOR, "a")
    assert "javascript:fetch" in text.text
    assert browser.title == f"{HOSTILE_SUBJECT} · hato"  # the subject, as text
    assert not {"/text-link", "/a", "/x"} & set(spy.paths)


def test_search_finds_by_subject_and_by_body(browser: WebDriver) -> None:
    follow(browser, browser.find_element(By.CSS_SELECTOR, "nav.mailboxes li.current a"))
    box = browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.send_keys("subject:quarterly")
    box.submit()
    wait_for(browser, lambda: subjects(browser) == ["Quarterly report"])
    box = browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.clear()
    box.send_keys("十時")
    box.submit()
    wait_for(browser, lambda: len(rows(browser)) == 4)
    assert all(subject.startswith("会議の件") for subject in subjects(browser))


def test_delete_moves_to_trash_and_empty_trash_removes(browser: WebDriver) -> None:
    open_mailbox(browser, "INBOX")
    open_message(browser, "Quarterly report")
    browser.find_element(By.CSS_SELECTOR, "button[value=delete]").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "h1.mailbox-name"))
    assert "Quarterly report" not in subjects(browser)
    open_mailbox(browser, "Trash")
    assert subjects(browser) == ["Quarterly report"]
    browser.find_element(By.CSS_SELECTOR, "nav.mailboxes form button").click()
    wait_for(browser, lambda: not rows(browser))


def test_an_administrator_adds_a_user_who_then_logs_in_over_imap(
    browser: WebDriver, server: HatoProcess
) -> None:
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for(browser, lambda: "/login" in browser.current_url)
    log_in(browser, server, "root", ADMIN_PASSWORD)
    browser.find_element(By.LINK_TEXT, "Admin").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "form.add"))
    form = browser.find_element(By.CSS_SELECTOR, "form.add")
    form.find_element(By.NAME, "name").send_keys("dave")
    form.find_element(By.NAME, "password").send_keys("dave-pw")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-account="dave"]'))
    with imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10) as imap:
        assert imap.login("dave", "dave-pw")[0] == "OK"
        assert imap.select("INBOX")[0] == "OK"
