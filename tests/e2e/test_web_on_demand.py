"""The web console is loaded by its first connection, not at start (hato.server.on_demand):
a real ``hato serve`` whose port listens from the start, and whose process maps
aiohttp's and Jinja2's compiled modules only once a page was asked for."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.e2e.harness import HatoProcess
from tests.e2e.web import Web

PASSWORD = "correct horse"
#: compiled modules that only the console loads: aiohttp's HTTP parser, Jinja2's markupsafe
CONSOLE_LIBRARIES = ("aiohttp/_http_parser", "markupsafe/_speedups")


def _mapped(server: HatoProcess) -> set[str]:
    assert server.process is not None
    maps = Path(f"/proc/{server.process.pid}/maps").read_text()
    return {library for library in CONSOLE_LIBRARIES if library in maps}


def test_the_console_is_loaded_by_its_first_requests_which_all_get_answers(
    tmp_path: Path,
) -> None:
    server = HatoProcess(tmp_path / "data", services=("http", "pop3"))
    server.add_user("alice", PASSWORD)
    server.start()
    try:
        assert _mapped(server) == set()  # started, listening, and without the console
        port = server.ports["http"]
        answers: list[int] = []

        def ask() -> None:  # these arrive together, while the console loads
            answers.append(Web(port).get("/login").status)

        askers = [threading.Thread(target=ask) for _ in range(4)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(60)
        assert answers == [200, 200, 200, 200]
        assert _mapped(server) == set(CONSOLE_LIBRARIES)
        web = Web(port)
        assert web.login("alice", PASSWORD).status == 303
        assert web.get("/api/v1/me").json() == {"name": "alice", "admin": False}
    finally:
        assert server.stop() == 0


def test_a_server_whose_console_is_never_asked_for_stops_cleanly(tmp_path: Path) -> None:
    server = HatoProcess(tmp_path / "data", services=("http", "pop3")).start()
    try:
        assert _mapped(server) == set()
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output
