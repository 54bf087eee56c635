"""The Sieve interpreter: a validated script and a message in, a list of actions out.

Theory of operation. A run walks the calls of the script in order (RFC 5228 §2.10),
collecting actions; nothing is done until the end (§2.10.3), when the implicit keep is
added unless an action cancelled it (§2.10.2). Every command, test and comparison spends
from one step budget, and blocks, tests and includes together may not nest deeper than
``Limits.max_nesting``; a run past a bound, or any run-time error, ends with the implicit
keep alone and the error (§2.10.6), so a broken or hostile script never loses mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import timezone

from hato.mime import parse_addresses
from hato.proto.imap import SYSTEM_FLAGS
from hato.sieve._actions import Action, FileInto, Keep, Redirect, Reject, Result, Vacation
from hato.sieve._ast import Number
from hato.sieve._context import Context
from hato.sieve._dates import date_part, in_zone, parse_date_header, parse_zone
from hato.sieve._errors import (
    SieveError,
    SieveInternalError,
    SieveLimitError,
    SieveRuntimeError,
)
from hato.sieve._match import (
    Budget,
    compile_wildcards,
    fold,
    is_equal,
    relation,
    wildcard_match,
)
from hato.sieve._message import Message, decoded
from hato.sieve._parser import parse
from hato.sieve._regex import Regexes
from hato.sieve._vacation import Request, decide
from hato.sieve._validate import Call, Program, validate
from hato.sieve._variables import Scope, apply_modifiers

MAX_MAILBOX_NAME = 1000


class _Stop(Exception):
    """``stop`` (RFC 5228 §3.3): the run ends, actions so far stand."""


class _Return(Exception):
    """``return`` (RFC 6609 §3.4): the current included script ends."""


def run(program: Program, message: Message, context: Context) -> Result:
    """Run ``program`` against ``message``; never raises for anything the script does."""
    state = _Run(message, context)
    scope = state.new_scope()
    try:
        state.run_script(program, scope)
    except _Stop:
        pass
    except SieveError as error:
        return Result((Keep(implicit=True),), error, tuple(state.notes))
    except Exception as exc:  # a fault of hato's own must not lose the mail either
        fault = SieveInternalError(f"internal error: {exc!r}"[:500])
        return Result((Keep(implicit=True),), fault, tuple(state.notes))
    return Result(state.finish(), None, tuple(state.notes))


class _Run:
    def __init__(self, message: Message, context: Context) -> None:
        self.message = message
        self.context = context
        self.limits = context.limits
        self.budget = Budget(self.limits.max_steps)
        self.regexes = Regexes(self.limits.max_regex)
        self.actions: list[Action] = []
        self.implicit_keep = True
        self.flags: list[str] = []  # imap4flags' internal variable (RFC 5232 §3)
        self.shared: dict[str, str] = {}
        self.includes: list[tuple[str, str]] = []
        self.included: set[tuple[str, str]] = set()
        self.include_count = 0
        self.nesting = 0
        self.notes: list[str] = []
        self.requires: frozenset[str] = frozenset()

    def new_scope(self) -> Scope:
        return Scope(self.shared, self.limits.max_variable_size, self.limits.max_variables)

    # -- structure ------------------------------------------------------------------------

    def enter(self, call: Call) -> None:
        self.nesting += 1
        if self.nesting > self.limits.max_nesting:
            raise SieveLimitError(
                f"nested more than {self.limits.max_nesting} deep at run time",
                call.line,
                call.column,
            )

    def run_script(self, program: Program, scope: Scope) -> None:
        outer, self.requires = self.requires, program.requires
        try:
            self.run_block(program.calls, scope)
        finally:
            self.requires = outer

    def run_block(self, calls: Sequence[Call], scope: Scope) -> None:
        """Commands in order; an if/elsif/else chain runs at most one block (§3.1)."""
        chain_done = True
        for call in calls:
            self.budget.spend()
            if call.name == "if":
                chain_done = False
            if call.name in ("if", "elsif", "else"):
                if chain_done:
                    continue
                if call.name == "else" or self.test(call.tests[0], scope):
                    chain_done = True
                    assert call.block is not None
                    self.enter(call)
                    self.run_block(call.block, scope)
                    self.nesting -= 1
                continue
            try:
                COMMANDS[call.name](self, call, scope)
            except SieveError as error:
                if not error.line:
                    error.line, error.column = call.line, call.column
                raise

    def expand(self, text: str, scope: Scope) -> str:
        if "variables" not in self.requires:
            return text
        result = scope.expand(text)
        self.budget.spend(len(result) // 1024)
        return result

    def expand_all(self, texts: Sequence[str], scope: Scope) -> list[str]:
        return [self.expand(text, scope) for text in texts]

    # -- actions --------------------------------------------------------------------------

    def add(self, action: Action) -> None:
        if len(self.actions) >= self.limits.max_actions:
            raise SieveLimitError(f"more than {self.limits.max_actions} actions")
        self.check_conflicts(action)
        self.actions.append(action)

    def check_conflicts(self, action: Action) -> None:
        """reject is incompatible with keep, fileinto and vacation (RFC 5429 §2.1,
        RFC 5230 §4.7); one reject and one vacation at most."""
        stores = (Keep, FileInto, Vacation, Reject)
        if isinstance(action, Reject) and any(isinstance(a, stores) for a in self.actions):
            raise SieveRuntimeError("reject cannot be combined with keep, fileinto or vacation")
        if isinstance(action, stores) and any(isinstance(a, Reject) for a in self.actions):
            raise SieveRuntimeError("reject cannot be combined with keep, fileinto or vacation")
        if isinstance(action, Vacation) and any(isinstance(a, Vacation) for a in self.actions):
            raise SieveRuntimeError("vacation used more than once (RFC 5230 §4)")

    def finish(self) -> tuple[Action, ...]:
        """Deliveries to one mailbox merged (RFC 5228 §2.10.3), the implicit keep added."""
        if self.implicit_keep:
            self.actions.append(Keep(tuple(self.flags), implicit=True))
        out: list[Action] = []
        stored: dict[str, int] = {}
        for action in self.actions:
            if isinstance(action, (Keep, FileInto)):
                key = _mailbox_key(action)
                if key in stored:
                    out[stored[key]] = _merge(out[stored[key]], action)
                    continue
                stored[key] = len(out)
            out.append(action)
        return tuple(out)

    # -- tests ----------------------------------------------------------------------------

    def test(self, call: Call, scope: Scope) -> bool:
        self.budget.spend()
        self.enter(call)
        try:
            return TESTS[call.name](self, call, scope)
        except SieveError as error:
            if not error.line:
                error.line, error.column = call.line, call.column
            raise
        finally:
            self.nesting -= 1

    def match(self, call: Call, values: Sequence[str], keys: Sequence[str], scope: Scope) -> bool:
        """Any value against any key with the call's match type and comparator (§2.7)."""
        comparator = (call.tag_string("comparator") or "i;ascii-casemap").lower()
        keys = self.expand_all(keys, scope)
        count = call.tag_string("count")
        if count is not None:
            return any(relation(count, str(len(values)), key, comparator) for key in keys)
        value_relation = call.tag_string("value")
        if value_relation is None and not {"matches", "regex"} & call.tags.keys():
            return self.compare(call, values, keys, comparator)
        for value in values:
            self.budget.spend(1 + len(value) // 256)
            for key in keys:
                self.budget.spend(1 + len(value) // 1024)
                if value_relation is not None:
                    found = relation(value_relation, value, key, comparator)
                elif "matches" in call.tags:
                    found = self.matches(value, key, comparator, scope)
                else:
                    found = self.regex(value, key, comparator, scope)
                if found:
                    return True
        return False

    def compare(
        self, call: Call, values: Sequence[str], keys: Sequence[str], comparator: str
    ) -> bool:
        """:is and :contains, each value and key folded once for the comparator."""
        if comparator == "i;ascii-numeric":
            return any(is_equal(value, key, comparator) for value in values for key in keys)
        folded_keys = [fold(key, comparator) for key in keys]
        substring = "contains" in call.tags
        for value in values:
            self.budget.spend(1 + len(value) // 256 + len(keys) * (1 + len(value) // 4096))
            folded = fold(value, comparator)
            for key in folded_keys:
                if (key in folded) if substring else (key == folded):
                    return True
        return False

    def matches(self, value: str, key: str, comparator: str, scope: Scope) -> bool:
        spans = wildcard_match(compile_wildcards(key, comparator), value, comparator, self.budget)
        if spans is None:
            return False
        scope.set_matches([value, *spans])
        return True

    def regex(self, value: str, key: str, comparator: str, scope: Scope) -> bool:
        self.budget.spend(len(value) // 256)
        groups = self.regexes.search(key, value, comparator == "i;octet")
        if groups is None:
            return False
        scope.set_matches(groups)
        return True

    def headers(self, call: Call, names: Sequence[str], scope: Scope) -> Iterator[str]:
        """Values of the named fields, one ``:index`` of each if given (RFC 5260 §6)."""
        index = call.tag_number("index")
        for name in self.expand_all(names, scope):
            values = self.message.header_values(name)
            if index is not None:
                position = len(values) - index if "last" in call.tags else index - 1
                values = [values[position]] if 0 <= position < len(values) else []
            yield from values


def _mailbox_key(action: Keep | FileInto) -> str:
    if isinstance(action, Keep) or action.mailbox.upper() == "INBOX":
        return "INBOX"
    return action.mailbox


def _merge(first: Action, second: Keep | FileInto) -> Action:
    assert isinstance(first, (Keep, FileInto))
    flags = tuple(dict.fromkeys((*first.flags, *second.flags)))
    if isinstance(first, Keep):
        return Keep(flags, first.implicit)
    return FileInto(first.mailbox, flags, first.create or getattr(second, "create", False))


# -- commands (RFC 5228 §3, §4 and the extensions) ----------------------------------------


def _require(run: _Run, call: Call, scope: Scope) -> None:
    """Checked at validation (RFC 5228 §3.2)."""


def _stop(run: _Run, call: Call, scope: Scope) -> None:
    raise _Stop


def _flags_for(run: _Run, call: Call, scope: Scope) -> tuple[str, ...]:
    """``:flags`` if given, else the internal variable (RFC 5232 §5)."""
    given = call.tag_strings("flags")
    if given is None:
        return tuple(run.flags)
    return tuple(_flag_list(run.expand_all(given, scope)))


def _keep(run: _Run, call: Call, scope: Scope) -> None:
    run.add(Keep(_flags_for(run, call, scope)))
    run.implicit_keep = False


def _discard(run: _Run, call: Call, scope: Scope) -> None:
    """discard cancels the implicit keep and nothing else (RFC 5228 §4.4)."""
    run.implicit_keep = False


def _fileinto(run: _Run, call: Call, scope: Scope) -> None:
    mailbox = run.expand(call.string(0), scope)
    if not mailbox or len(mailbox) > MAX_MAILBOX_NAME or not mailbox.isprintable():
        raise SieveRuntimeError(f"invalid mailbox name {mailbox[:60]!r}")
    run.add(FileInto(mailbox, _flags_for(run, call, scope), "create" in call.tags))
    if "copy" not in call.tags:
        run.implicit_keep = False


def _redirect(run: _Run, call: Call, scope: Scope) -> None:
    address = run.expand(call.string(0), scope).strip()
    if not _is_address(address):
        raise SieveRuntimeError(f"invalid redirect address {address[:60]!r} (RFC 5228 §4.2)")
    if any(isinstance(a, Redirect) and a.address.lower() == address.lower() for a in run.actions):
        return
    if _would_loop(run, address):
        run.notes.append(f"redirect: {address} already had this message; kept instead")
        return
    if sum(isinstance(a, Redirect) for a in run.actions) >= run.limits.max_redirects:
        raise SieveLimitError(f"more than {run.limits.max_redirects} redirects")
    run.add(Redirect(address, "copy" in call.tags))
    if "copy" not in call.tags:
        run.implicit_keep = False


def _would_loop(run: _Run, address: str) -> bool:
    """Loop control (RFC 5228 §4.2): no redirect to this recipient, nor to an address the
    message was already delivered to (its Delivered-To fields, which delivery adds), so
    two accounts that redirect to each other stop at the second hop."""
    target = address.lower()
    if target == run.context.envelope.rcpt_to.lower():
        return True
    delivered = run.message.header_values("delivered-to")
    return any(value.strip().strip("<>").lower() == target for value in delivered)


def _is_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(
        at and local and domain and address.isprintable() and len(address) <= 254
        and not any(char in address for char in " <>,;\\\"")
    )  # fmt: skip


def _reject(run: _Run, call: Call, scope: Scope) -> None:
    """reject and ereject cancel the implicit keep (RFC 5429 §2.1, §2.2)."""
    run.add(Reject(run.expand(call.string(0), scope), call.name == "ereject"))
    run.implicit_keep = False


def _vacation(run: _Run, call: Call, scope: Scope) -> None:
    """RFC 5230 §4: decide whether to reply; the delivery layer sends and records."""
    days, seconds = call.tag_number("days"), call.tag_number("seconds")
    period = seconds if seconds is not None else (None if days is None else days * 86_400)
    addresses = call.tag_strings("addresses") or ()
    subject, from_, handle = (call.tag_string(name) for name in ("subject", "from", "handle"))
    request = Request(
        reason=run.expand(call.string(0), scope),
        seconds=period,
        subject=None if subject is None else run.expand(subject, scope),
        from_=None if from_ is None else run.expand(from_, scope),
        addresses=tuple(run.expand_all(addresses, scope)),
        mime="mime" in call.tags,
        handle=None if handle is None else run.expand(handle, scope),
    )
    if any(isinstance(a, Vacation) for a in run.actions):
        raise SieveRuntimeError("vacation used more than once (RFC 5230 §4)")
    envelope, context = run.context.envelope, run.context
    outcome = decide(
        request,
        run.message,
        envelope.mail_from,
        envelope.rcpt_to,
        context.addresses,
        run.limits.vacation,
        context.replied_within,
    )
    if isinstance(outcome, str):
        run.notes.append(outcome)
    else:
        run.add(outcome)


_SYSTEM_FLAGS = {flag.lower(): flag for flag in SYSTEM_FLAGS}
_KEYWORD = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){%*"\\\]]{1,100}\Z')
MAX_FLAGS = 100


def _flag_list(texts: Sequence[str]) -> list[str]:
    """Flags are space-separated; duplicates go, case-insensitively (RFC 5232 §3).

    Only flags IMAP can store are kept: the system flags but \\Recent (RFC 3501 §2.3.2),
    spelled as IMAP spells them, and keywords that are atoms of at most 100 characters;
    others are dropped, as a keyword IMAP cannot show would be (RFC 5232 §3 leaves
    invalid flags to the implementation). At most MAX_FLAGS flags.
    """
    seen: dict[str, str] = {}
    for text in texts:
        for flag in text.split():
            if flag.startswith("\\"):
                flag = _SYSTEM_FLAGS.get(flag.lower(), "")
            elif not _KEYWORD.match(flag):
                flag = ""
            if flag and len(seen) < MAX_FLAGS:
                seen.setdefault(flag.lower(), flag)
    return list(seen.values())


def _flag_command(run: _Run, call: Call, scope: Scope) -> None:
    """setflag, addflag, removeflag (RFC 5232 §3) on a variable or the internal one."""
    name = run.expand(call.string(0), scope) if len(call.positional) == 2 else None
    given = _flag_list(run.expand_all(call.strings(len(call.positional) - 1), scope))
    current = run.flags if name is None else _flag_list([scope.get(name)])
    if call.name == "setflag":
        current = given
    elif call.name == "addflag":
        current = _flag_list([*current, *given])
    else:
        drop = {flag.lower() for flag in given}
        current = [flag for flag in current if flag.lower() not in drop]
    if name is None:
        run.flags = current
    else:
        scope.set(name, " ".join(current))


def _set(run: _Run, call: Call, scope: Scope) -> None:
    """set (RFC 5229 §4)."""
    value = apply_modifiers(run.expand(call.string(1), scope), set(call.tags))
    scope.set(call.string(0), value)


def _include(run: _Run, call: Call, scope: Scope) -> None:
    """include (RFC 6609 §3.2): a loop or a depth past the limit is an error."""
    name = run.expand(call.string(0), scope)
    location = "global" if "global" in call.tags else "personal"
    key = (location, name)
    if "once" in call.tags and key in run.included:
        return
    if key in run.includes:
        raise SieveRuntimeError(f"include loop: {location} script {name!r} includes itself")
    if len(run.includes) >= run.limits.max_include_depth:
        raise SieveLimitError(f"includes nested more than {run.limits.max_include_depth} deep")
    run.include_count += 1
    if run.include_count > run.limits.max_includes:
        raise SieveLimitError(f"more than {run.limits.max_includes} includes")
    text = run.context.load_script(name, location)
    if text is None:
        if "optional" in call.tags:
            return
        raise SieveRuntimeError(f"no {location} script {name!r} to include")
    if not isinstance(text, Program):
        text = validate(parse(text, run.limits.max_script_size, run.limits.max_parse_depth))
    program = text
    run.includes.append(key)
    run.included.add(key)
    run.enter(call)
    try:
        run.run_script(program, run.new_scope())
    except _Return:
        pass
    finally:
        run.includes.pop()
        run.nesting -= 1


def _return(run: _Run, call: Call, scope: Scope) -> None:
    raise _Return if run.includes else _Stop


def _global(run: _Run, call: Call, scope: Scope) -> None:
    """global (RFC 6609 §3.3): the names live in the run's shared table."""
    scope.globals.update(name.lower() for name in call.strings(0))


COMMANDS: dict[str, Callable[[_Run, Call, Scope], None]] = {
    "require": _require,
    "stop": _stop,
    "keep": _keep,
    "discard": _discard,
    "fileinto": _fileinto,
    "redirect": _redirect,
    "reject": _reject,
    "ereject": _reject,
    "vacation": _vacation,
    "setflag": _flag_command,
    "addflag": _flag_command,
    "removeflag": _flag_command,
    "set": _set,
    "include": _include,
    "return": _return,
    "global": _global,
}


# -- tests (RFC 5228 §5 and the extensions) ---------------------------------------------


def _address_part(local: str, domain: str | None, call: Call) -> str | None:
    """The address part the call asks for (RFC 5228 §2.7.4, RFC 5233 §4 for user/detail)."""
    if "localpart" in call.tags:
        return local
    if "domain" in call.tags:
        return domain or ""
    if "user" in call.tags:
        return local.split("+", 1)[0]
    if "detail" in call.tags:
        return local.split("+", 1)[1] if "+" in local else None
    return f"{local}@{domain}" if domain else local


def _address(run: _Run, call: Call, scope: Scope) -> bool:
    values = []
    for value in run.headers(call, call.strings(0), scope):
        run.budget.spend(1 + len(value) // 256)
        for _, _, mailbox, host in parse_addresses(value):
            if mailbox is None:
                continue  # a group's start or end (RFC 5228 §5.1)
            part = _address_part(mailbox, host, call)
            if part is not None:
                values.append(part)
    return run.match(call, values, call.strings(1), scope)


def _envelope(run: _Run, call: Call, scope: Scope) -> bool:
    """envelope (RFC 5228 §5.4): "from" and "to"; the null sender is "" in every part."""
    values = []
    for name in run.expand_all(call.strings(0), scope):
        part = name.lower()
        address = {"from": run.context.envelope.mail_from, "to": run.context.envelope.rcpt_to}
        if part not in address:
            continue
        if not address[part]:
            values.append("")
            continue
        local, at, domain = address[part].rpartition("@")
        found = _address_part(local if at else domain, domain if at else None, call)
        if found is not None:
            values.append(found)
    return run.match(call, values, call.strings(1), scope)


def _header(run: _Run, call: Call, scope: Scope) -> bool:
    """header (RFC 5228 §5.7): values RFC 2047-decoded; no field means false."""
    values = [decoded(value) for value in run.headers(call, call.strings(0), scope)]
    if not values and "count" not in call.tags:
        return False
    return run.match(call, values, call.strings(1), scope)


def _exists(run: _Run, call: Call, scope: Scope) -> bool:
    names = run.expand_all(call.strings(0), scope)
    return all(run.message.header_values(name) for name in names)


def _size(run: _Run, call: Call, scope: Scope) -> bool:
    limit = call.positional[0]
    assert isinstance(limit, Number)
    number = limit.value
    if "over" in call.tags:
        return run.message.size > number
    return run.message.size < number


def _not(run: _Run, call: Call, scope: Scope) -> bool:
    return not run.test(call.tests[0], scope)


def _allof(run: _Run, call: Call, scope: Scope) -> bool:
    return all(run.test(test, scope) for test in call.tests)


def _anyof(run: _Run, call: Call, scope: Scope) -> bool:
    return any(run.test(test, scope) for test in call.tests)


def _hasflag(run: _Run, call: Call, scope: Scope) -> bool:
    """hasflag (RFC 5232 §4): any flag of the variables (or the internal one) matches."""
    if len(call.positional) == 2:
        names = run.expand_all(call.strings(0), scope)
        flags = _flag_list([scope.get(name) for name in names])
    else:
        flags = list(run.flags)
    keys = _flag_list(call.strings(len(call.positional) - 1))
    return run.match(call, flags, keys, scope)


def _body_texts(run: _Run, call: Call, scope: Scope) -> list[str]:
    """The body as the transform asks (RFC 5173 §5): :raw, :content types, or :text."""
    if "raw" in call.tags:
        return [run.message.raw_body()]
    wanted = call.tag_strings("content")
    types = ["text"] if wanted is None else [t.lower() for t in run.expand_all(wanted, scope)]
    texts = []
    for part in run.message.body_parts():
        major = part.content_type.split("/", 1)[0]
        if any(t == "" or t == part.content_type or t == major for t in types):
            run.budget.spend(len(part.text) // 1024)
            texts.append(part.text)
    return texts


def _body(run: _Run, call: Call, scope: Scope) -> bool:
    return run.match(call, _body_texts(run, call, scope), call.strings(0), scope)


def _string(run: _Run, call: Call, scope: Scope) -> bool:
    """string (RFC 5229 §5): for :count, empty strings do not count."""
    values = run.expand_all(call.strings(0), scope)
    if "count" in call.tags:
        values = [value for value in values if value]
    return run.match(call, values, call.strings(1), scope)


def _zone(run: _Run, call: Call, scope: Scope) -> timezone | None:
    text = call.tag_string("zone")
    if text is None:
        return None
    zone = parse_zone(run.expand(text, scope))
    if zone is None:
        raise SieveRuntimeError(f"invalid :zone {text!r} (RFC 5260 §4.1)")
    return zone


def _date(run: _Run, call: Call, scope: Scope) -> bool:
    """date (RFC 5260 §4): a header's date-time, in :zone, its own zone, or local time."""
    part = run.expand(call.string(1), scope)
    zone = _zone(run, call, scope)
    values = []
    received = call.string(0).lower() == "received"
    for value in run.headers(call, [call.string(0)], scope):
        if received:  # the date follows the last ";" (RFC 5260 §4.1, RFC 5321 §4.4)
            value = value.rpartition(";")[2]
        moment = parse_date_header(value)
        if moment is None:
            continue
        if "originalzone" not in call.tags:
            moment = in_zone(moment, zone, run.context.now)
        text = date_part(moment, part)
        if text is None:
            raise SieveRuntimeError(f"unknown date part {part!r} (RFC 5260 §4.2)")
        values.append(text)
    if not values:
        return False
    return run.match(call, values, call.strings(2), scope)


def _currentdate(run: _Run, call: Call, scope: Scope) -> bool:
    """currentdate (RFC 5260 §5)."""
    part = run.expand(call.string(0), scope)
    moment = in_zone(run.context.now, _zone(run, call, scope), run.context.now)
    text = date_part(moment, part)
    if text is None:
        raise SieveRuntimeError(f"unknown date part {part!r} (RFC 5260 §4.2)")
    return run.match(call, [text], call.strings(1), scope)


def _mailboxexists(run: _Run, call: Call, scope: Scope) -> bool:
    """mailboxexists (RFC 5490 §3.1): every name is a mailbox of the account."""
    names = run.expand_all(call.strings(0), scope)
    return all(run.context.mailbox_exists(name) for name in names)


TESTS: dict[str, Callable[[_Run, Call, Scope], bool]] = {
    "address": _address,
    "allof": _allof,
    "anyof": _anyof,
    "envelope": _envelope,
    "exists": _exists,
    "false": lambda run, call, scope: False,
    "header": _header,
    "not": _not,
    "size": _size,
    "true": lambda run, call, scope: True,
    "hasflag": _hasflag,
    "body": _body,
    "string": _string,
    "date": _date,
    "currentdate": _currentdate,
    "mailboxexists": _mailboxexists,
}
