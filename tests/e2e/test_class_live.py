"""The lab, live, against a real ``hato serve``: a student types POP3 by hand over a raw
socket and the teacher's page in a real browser (Debian's chromium) shows each line as it
comes, the password as ``[REDACTED]``, a hint under the refused command; the class page
shows the student online, then offline; no student reaches any of it."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.browser import headless_browser
from tests.e2e.harness import HatoProcess, hato
from tests.e2e.test_web_browser import base_url, log_in, wait_for
from tests.e2e.web import Web

ROSTER = "id,name,email\ns001,Taro Yamada,taro@school.example\n"
CLASS_PAGES = (
    "/admin/class/live",
    "/admin/class/live?part=table",
    "/admin/class/live/events",
    "/admin/class/student/s001",
    "/admin/class/student/s001/events",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    where = tmp_path_factory.mktemp("class-live")
    process = HatoProcess(where / "data", services=("http", "pop3", "smtp"))
    process.add_user("root", "root-pw", "--admin")
    (where / "roster.csv").write_text(ROSTER)
    done = hato("class", "import", str(where / "roster.csv"), data_dir=process.data_dir)
    assert done.returncode == 0, done.stderr
    process.student_password = done.stdout.split()[2]  # type: ignore[attr-defined]
    yield process.start()
    assert process.stop() == 0


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with headless_browser(tmp_path_factory.mktemp("downloads")) as driver:
        yield driver


class Typist:
    """A student at a terminal: one line at a time, reading the answer."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.file.readline()  # the greeting

    def type(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.file.readline().decode()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _open_as_teacher(browser: WebDriver, server: HatoProcess, path: str) -> None:
    browser.get(base_url(server) + path)
    if "/login" in browser.current_url:  # the module's browser is not logged in yet
        log_in(browser, server, "root", "root-pw")
        browser.get(base_url(server) + path)


def _texts(browser: WebDriver, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_the_teacher_sees_a_pop3_session_typed_by_hand(
    server: HatoProcess, browser: WebDriver
) -> None:
    password = server.student_password  # type: ignore[attr-defined]
    _open_as_teacher(browser, server, "/admin/class/student/s001")
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "p.none"))
    student = Typist(server.ports["pop3"])
    try:
        assert student.type("USER s001").startswith("+OK")
        assert student.type(f"PASS {password}").startswith("+OK")
        # the page reloads for the student's new session, then follows its lines
        wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "section.transcript"))
        assert student.type("STAT").startswith("+OK")
        assert student.type("RETR 99").startswith("-ERR")
        wait_for(browser, lambda: any("RETR 99" in t for t in _texts(browser, "li")))
        lines = _texts(browser, "section.transcript li")
        assert any("PASS [REDACTED]" in line for line in lines), lines
        assert not any(password in line for line in lines)
        assert any(line.startswith(tuple("0123456789")) and "STAT" in line for line in lines)
        assert _texts(browser, "p.hint"), "a refused command gets a hint"
        browser.get(base_url(server) + "/admin/class/live")
        row = 'tr[data-student="s001"]'
        wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, f"{row}.online"))
        assert "RETR 99" in browser.find_element(By.CSS_SELECTOR, row).text
    finally:
        student.type("QUIT")
        student.close()
    # the class page follows without a reload: the student went offline
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, f"{row}.offline"))
    done = browser.find_element(By.CSS_SELECTOR, f"{row} td:last-child").text
    assert re.match(r"[3-9] / \d+", done), done  # USER/PASS, STAT, QUIT (not RETR)


def test_hints_come_in_the_chosen_language(server: HatoProcess) -> None:
    student = Typist(server.ports["pop3"])
    try:
        student.type("USER s001")
        student.type(f"PASS {server.student_password}")  # type: ignore[attr-defined]
        student.type("RERT 1")
    finally:
        student.type("QUIT")
        student.close()
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    english = web.get("/admin/class/student/s001").text
    token, session = web.get("/admin/class/live").csrf(), web.cookie
    chosen = web.post("/admin/class/language", {"csrf": token, "lang": "ja", "back": "/x"})
    assert chosen.status == 303 and chosen.headers["Location"] == "/admin/class/live"
    assert web.cookie == "hato_lang=ja"
    web.cookie = f"{session}; {web.cookie}"  # a browser keeps both
    japanese = web.get("/admin/class/student/s001").text
    hints = [re.findall(r'<p class="hint">(.*?)</p>', page) for page in (english, japanese)]
    assert hints[0] and hints[1] and hints[0] != hints[1]
    assert any(re.search(r"[\u3040-\u30ff]", hint) for hint in hints[1])  # kana


def test_a_student_reaches_no_class_page(server: HatoProcess) -> None:
    student = Web(server.ports["http"])
    student.login("s001", server.student_password)  # type: ignore[attr-defined]
    for page in CLASS_PAGES:
        assert student.get(page).status == 403, page
    teacher = Web(server.ports["http"])
    teacher.login("root", "root-pw")
    assert teacher.get("/admin/class/live").status == 200
    assert teacher.get("/admin/class/student/nobody").status == 404
    assert teacher.get("/admin/class/live?part=table").text.count("data-student=") == 1


def test_the_checklist_fills_in_as_the_student_works(
    server: HatoProcess, browser: WebDriver
) -> None:
    password = server.student_password  # type: ignore[attr-defined]
    _open_as_teacher(browser, server, "/admin/class/checklist")
    cell = 'tr[data-student="s001"] td[data-step="pop3-noop"]'
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, cell))
    assert "done" not in (browser.find_element(By.CSS_SELECTOR, cell).get_attribute("class") or "")
    student = Typist(server.ports["pop3"])
    try:
        student.type("USER s001")
        student.type(f"PASS {password}")
        assert student.type("NOOP").startswith("+OK")
        wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, f"{cell}.done"))
    finally:
        student.type("QUIT")
        student.close()
