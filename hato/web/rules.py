"""The rules pages: every account's own Sieve scripts (RFC 5228), as plain forms.

- ``/rules``: the scripts, which one is active; activate, deactivate, delete.
- ``/rules/script``: one script in a textarea; saving checks it as ``hato sieve check``
  does and shows the error's line and column, storing nothing.
- ``/rules/form`` and ``/rules/vacation``: simple rules and a vacation reply, written as
  the script ``FORM_SCRIPT`` by hato.sieve.forms (which escapes every word typed) and
  made active on saving.

Every script is reached through the logged-in account's ``SieveScripts`` only (the
account-isolation invariant): a name another account uses is simply not there, a 404.
The store operations and their quotas are the ones ManageSieve and ``hato sieve`` use.
"""

from __future__ import annotations

from typing import NoReturn

from aiohttp import web
from multidict import MultiDictProxy

from hato.sieve import SieveError, compile_script
from hato.sieve.forms import (
    ACTIONS,
    FIELDS,
    MAX_RULES,
    FormError,
    FormScript,
    Rule,
    Vacation,
    from_script,
    to_script,
)
from hato.store.base import StoreError
from hato.store.scripts import NoSuchScript, SieveScripts
from hato.web.auth import WebUser, page_user
from hato.web.context import WEB
from hato.web.render import render

__all__ = ["FORM_SCRIPT", "setup"]

FORM_SCRIPT = "rules"  # the script the rules and vacation forms write
BLANK_RULES = 3  # empty rows the rules form offers below the rules there are
MAX_FIELD = 65_536  # characters of one form field (the script quota bounds the whole)

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


async def _scripts(request: web.Request) -> tuple[WebUser, SieveScripts]:
    user = await page_user(request)
    return user, request.app[WEB].store.sieve_scripts(user.account_id)


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_FIELD:
        raise web.HTTPBadRequest(
            text=f"400: the field {name} is not a text of at most {MAX_FIELD} characters"
        )
    return value


def _refused(error: StoreError) -> NoReturn:
    """A store refusal (quota, name, the active script) said on an error page."""
    if isinstance(error, NoSuchScript):
        raise web.HTTPNotFound(text="404: no such script") from None
    raise web.HTTPBadRequest(text=f"400: {error}") from None


async def scripts_page(request: web.Request) -> web.StreamResponse:
    user, scripts = await _scripts(request)
    listing = await scripts.list()
    return render(request, "rules/list.html", title="Rules", user=user, scripts=listing,
                  form_script=FORM_SCRIPT)  # fmt: skip


async def script_page(request: web.Request) -> web.StreamResponse:
    """A script to edit (``?name=``), or an empty one to write."""
    user, scripts = await _scripts(request)
    name = request.query.get("name", "")
    text = ""
    if name:
        found = await scripts.get(name)
        if found is None:
            raise web.HTTPNotFound(text="404: no such script")
        text = found
    return _script_form(request, user, name, text, None, 200)


def _script_form(
    request: web.Request, user: WebUser, name: str, text: str, error: str | None, status: int
) -> web.Response:
    return render(request, "rules/script.html", status, title=name or "New script", user=user,
                  name=name, text=text, error=error)  # fmt: skip


async def save_script(request: web.Request) -> web.StreamResponse:
    """Check the script (RFC 5228 §2.10.6: refused whole, with where) and store it."""
    user, scripts = await _scripts(request)
    form = await request.post()
    name, text = _field(form, "name"), _field(form, "text").replace("\r\n", "\n")
    try:
        compile_script(text, request.app[WEB].config.sieve.max_script_size)
    except SieveError as error:
        return _script_form(request, user, name, text, f"{error}; not saved", 400)
    try:
        await scripts.put(name, text, request.app[WEB].config.sieve)
    except StoreError as error:
        return _script_form(request, user, name, text, f"{error}; not saved", 400)
    raise web.HTTPSeeOther(location="/rules")


async def activate(request: web.Request) -> web.StreamResponse:
    """Make the script active; the empty name leaves none active (as RFC 5804 §2.8)."""
    _user, scripts = await _scripts(request)
    name = _field(await request.post(), "name")
    try:
        await scripts.activate(name or None)
    except StoreError as error:
        _refused(error)
    raise web.HTTPSeeOther(location="/rules")


async def delete(request: web.Request) -> web.StreamResponse:
    _user, scripts = await _scripts(request)
    name = _field(await request.post(), "name")
    if await scripts.get(name) is None:
        raise web.HTTPNotFound(text="404: no such script")
    try:
        await scripts.delete(name)
    except StoreError as error:
        _refused(error)
    raise web.HTTPSeeOther(location="/rules")


# The form ---------------------------------------------------------------------------


async def _form_script(scripts: SieveScripts) -> tuple[FormScript, bool]:
    """The form's script read back, and whether it was edited by hand (then the form
    starts empty, and saving it replaces the edits)."""
    text = await scripts.get(FORM_SCRIPT)
    if text is None:
        return FormScript(), False
    form = from_script(text)
    return (FormScript(), True) if form is None else (form, False)


async def _write_form(request: web.Request, scripts: SieveScripts, form: FormScript) -> None:
    try:
        await scripts.put(FORM_SCRIPT, to_script(form), request.app[WEB].config.sieve)
        await scripts.activate(FORM_SCRIPT)
    except StoreError as error:
        _refused(error)


async def _show_form(
    request: web.Request, template: str, form: FormScript, error: str | None = None,
    rows: list[dict[str, str]] | None = None, vacation: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    user, scripts = await _scripts(request)
    _stored, edited = await _form_script(scripts)
    active = await scripts.active()
    return render(
        request, template, 400 if error else 200, title="Rules", user=user, error=error,
        rows=rows if rows is not None else _rule_rows(form), fields=FIELDS, actions=ACTIONS,
        vacation=vacation if vacation is not None else _vacation_fields(form.vacation),
        edited=edited, active=active is not None and active[0] == FORM_SCRIPT,
        script=to_script(form), form_script=FORM_SCRIPT,
    )  # fmt: skip


def _rule_rows(form: FormScript) -> list[dict[str, str]]:
    rows = [{"field": r.field, "contains": r.contains, "action": r.action, "mailbox": r.mailbox}
            for r in form.rules]  # fmt: skip
    blank = {"field": "subject", "contains": "", "action": "fileinto", "mailbox": ""}
    return rows + [blank] * BLANK_RULES


def _vacation_fields(vacation: Vacation | None) -> dict[str, str]:
    if vacation is None:
        return {"on": "", "subject": "", "text": "", "days": "7", "addresses": ""}
    return {"on": "1", "subject": vacation.subject, "text": vacation.text,
            "days": str(vacation.days), "addresses": ", ".join(vacation.addresses)}  # fmt: skip


async def rules_form(request: web.Request) -> web.StreamResponse:
    _user, scripts = await _scripts(request)
    form, _edited = await _form_script(scripts)
    return await _show_form(request, "rules/form.html", form)


def _posted_rows(posted: Form) -> list[dict[str, str]]:
    """Rows ``field-N``, ``contains-N``, ``action-N``, ``mailbox-N`` for N from 0, as sent."""
    rows = []
    for number in range(MAX_RULES + BLANK_RULES):
        if f"contains-{number}" not in posted:
            break
        rows.append({key: _field(posted, f"{key}-{number}")
                     for key in ("field", "contains", "action", "mailbox")})  # fmt: skip
    return rows


def _rules(rows: list[dict[str, str]]) -> tuple[Rule, ...]:
    """A rule per row that has words to look for; the mailbox only counts for filing."""
    return tuple(
        Rule(
            row["field"],
            row["contains"],
            row["action"],
            row["mailbox"] if row["action"] == "fileinto" else "",
        )
        for row in rows
        if row["contains"]
    )


async def save_rules(request: web.Request) -> web.StreamResponse:
    _user, scripts = await _scripts(request)
    stored, _edited = await _form_script(scripts)
    rows = _posted_rows(await request.post())
    try:
        form = FormScript(_rules(rows), stored.vacation)
    except FormError as error:
        return await _show_form(request, "rules/form.html", stored, str(error), rows=rows)
    await _write_form(request, scripts, form)
    raise web.HTTPSeeOther(location="/rules/form")


async def vacation_form(request: web.Request) -> web.StreamResponse:
    _user, scripts = await _scripts(request)
    form, _edited = await _form_script(scripts)
    return await _show_form(request, "rules/vacation.html", form)


def _vacation(fields: dict[str, str]) -> Vacation | None:
    if not fields["on"]:
        return None
    days = fields["days"].strip()
    if not days.isdigit() or len(days) > 3:
        raise FormError("a vacation reply waits a number of days")
    addresses = tuple(a.strip() for a in fields["addresses"].split(",") if a.strip())
    return Vacation(fields["text"], fields["subject"], int(days), addresses)


async def save_vacation(request: web.Request) -> web.StreamResponse:
    _user, scripts = await _scripts(request)
    stored, _edited = await _form_script(scripts)
    posted = await request.post()
    fields = {key: _field(posted, key) for key in ("on", "subject", "text", "days", "addresses")}
    try:
        form = FormScript(stored.rules, _vacation(fields))
    except FormError as error:
        return await _show_form(request, "rules/vacation.html", stored, str(error), vacation=fields)
    await _write_form(request, scripts, form)
    raise web.HTTPSeeOther(location="/rules/vacation")


def setup(app: web.Application) -> None:
    app.router.add_get("/rules", scripts_page)
    app.router.add_get("/rules/script", script_page)
    app.router.add_post("/rules/script", save_script)
    app.router.add_post("/rules/activate", activate)
    app.router.add_post("/rules/delete", delete)
    app.router.add_get("/rules/form", rules_form)
    app.router.add_post("/rules/form", save_rules)
    app.router.add_get("/rules/vacation", vacation_form)
    app.router.add_post("/rules/vacation", save_vacation)
