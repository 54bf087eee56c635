"""The rules pages in a real browser (chromium via selenium): a rule typed into the form,
a message delivered over SMTP, and the message seen filed in the mail view; a script
with an error shows its line and column."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.e2e.harness import HatoProcess
from tests.e2e.test_web_browser import (
    base_url,
    follow,
    log_in,
    open_mailbox,
    subjects,
    wait_for,
)

PASSWORD = "alice-pw"  # the one test_web_browser.log_in types


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("rules-web") / "data", services=("smtp", "http"))
    process.add_user("alice", PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


def test_a_rule_made_in_the_browser_files_the_next_message(
    browser: WebDriver, server: HatoProcess
) -> None:
    log_in(browser, server)
    follow(browser, browser.find_element(By.LINK_TEXT, "Rules"))
    follow(
        browser,
        browser.find_element(By.CSS_SELECTOR, "nav.sections").find_element(By.LINK_TEXT, "Rules"),
    )
    Select(browser.find_element(By.NAME, "field-0")).select_by_visible_text("Subject")
    browser.find_element(By.NAME, "contains-0").send_keys('[news] "; discard; "')
    Select(browser.find_element(By.NAME, "action-0")).select_by_visible_text("File into mailbox")
    browser.find_element(By.NAME, "mailbox-0").send_keys("News")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.rules button[type=submit]"))
    wait_for(
        browser,
        lambda: "fileinto :create" in browser.find_element(By.CSS_SELECTOR, "pre.script").text,
    )
    assert (
        browser.find_element(By.NAME, "contains-0").get_attribute("value") == '[news] "; discard; "'
    )

    message = (
        'From: a@remote.example\r\nTo: alice@example.org\r\nSubject: [news] "; discard; " today\r\n'
        "\r\nhi\r\n"
    )
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("a@remote.example", ["alice@example.org"], message.encode())
    browser.get(base_url(server) + "/")
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "nav.mailboxes"))
    open_mailbox(browser, "News")
    assert subjects(browser) == ['[news] "; discard; " today']


def test_a_script_with_an_error_shows_where(browser: WebDriver, server: HatoProcess) -> None:
    browser.get(base_url(server) + "/rules/script")
    browser.find_element(By.NAME, "name").send_keys("broken")
    browser.find_element(By.NAME, "text").send_keys(
        'require "fileinto";\nif true {\n  fileinto;\n}\n'
    )
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.script button[type=submit]"))
    error = browser.find_element(By.CSS_SELECTOR, "p.error").text
    assert error.startswith("line 3, column 3:") and error.endswith("not saved"), error
    assert "fileinto;" in browser.find_element(By.NAME, "text").get_attribute("value")
