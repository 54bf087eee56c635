"""What each command and test accepts: the tables the validator checks a script against.

One entry per command or test (RFC 5228 §3-§5 and each extension's section), one per
tagged argument. A tag belongs to a group; two tags of one group in one call are an
error (RFC 5228 §2.7.1: one match type, one comparator, one address part).
"""

from __future__ import annotations

from dataclasses import dataclass

# capabilities a script may require (RFC 5228 §3.2: an unknown one is an error)
EXTENSIONS = frozenset(
    {
        "fileinto",
        "reject",
        "ereject",
        "envelope",
        "imap4flags",
        "vacation",
        "vacation-seconds",
        "body",
        "variables",
        "relational",
        "subaddress",
        "copy",
        "date",
        "index",
        "include",
        "regex",
        "mailbox",
        "encoded-character",
        "comparator-i;octet",
        "comparator-i;ascii-casemap",
        "comparator-i;ascii-numeric",
    }
)
COMPARATORS = {
    "i;octet": None,
    "i;ascii-casemap": None,
    "i;ascii-numeric": "comparator-i;ascii-numeric",
}
RELATIONS = frozenset({"gt", "ge", "lt", "le", "eq", "ne"})


@dataclass(frozen=True, slots=True)
class TagSpec:
    """A tagged argument: the kind of value it takes (None: none), its extension, its group."""

    value: str | None
    extension: str | None
    group: str


TAGS = {
    "is": TagSpec(None, None, "match"),
    "contains": TagSpec(None, None, "match"),
    "matches": TagSpec(None, None, "match"),
    "regex": TagSpec(None, "regex", "match"),
    "count": TagSpec("string", "relational", "match"),
    "value": TagSpec("string", "relational", "match"),
    "comparator": TagSpec("string", None, "comparator"),
    "all": TagSpec(None, None, "address-part"),
    "localpart": TagSpec(None, None, "address-part"),
    "domain": TagSpec(None, None, "address-part"),
    "user": TagSpec(None, "subaddress", "address-part"),
    "detail": TagSpec(None, "subaddress", "address-part"),
    "index": TagSpec("number", "index", "index"),
    "last": TagSpec(None, "index", "last"),
    "over": TagSpec(None, None, "size"),
    "under": TagSpec(None, None, "size"),
    "copy": TagSpec(None, "copy", "copy"),
    "create": TagSpec(None, "mailbox", "create"),
    "flags": TagSpec("strings", "imap4flags", "flags"),
    "days": TagSpec("number", None, "period"),
    "seconds": TagSpec("number", "vacation-seconds", "period"),
    "subject": TagSpec("string", None, "subject"),
    "from": TagSpec("string", None, "from"),
    "addresses": TagSpec("strings", None, "addresses"),
    "mime": TagSpec(None, None, "mime"),
    "handle": TagSpec("string", None, "handle"),
    "raw": TagSpec(None, None, "transform"),
    "content": TagSpec("strings", None, "transform"),
    "text": TagSpec(None, None, "transform"),
    "lower": TagSpec(None, None, "case"),
    "upper": TagSpec(None, None, "case"),
    "lowerfirst": TagSpec(None, None, "casefirst"),
    "upperfirst": TagSpec(None, None, "casefirst"),
    "quotewildcard": TagSpec(None, None, "quote"),
    "quoteregex": TagSpec(None, "regex", "quote"),
    "length": TagSpec(None, None, "length"),
    "zone": TagSpec("string", None, "zone"),
    "originalzone": TagSpec(None, None, "zone"),
    "personal": TagSpec(None, None, "location"),
    "global": TagSpec(None, None, "location"),
    "once": TagSpec(None, None, "once"),
    "optional": TagSpec(None, None, "optional"),
}

_MATCH = ("is", "contains", "matches", "regex", "count", "value", "comparator")
_ADDRESS = ("all", "localpart", "domain", "user", "detail")
_INDEX = ("index", "last")


@dataclass(frozen=True, slots=True)
class Spec:
    """A command or test: its extension, tags, positional kinds, tests and block.

    Positional kinds: "string" (one string), "strings" (a string or a list), "number";
    a kind ending in "?" may be left out when fewer arguments are given (imap4flags'
    variable name, RFC 5232 §3). ``tests``: "none", "one" or "list".
    """

    extension: str | None
    positional: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tests: str = "none"
    block: bool = False


def _test(extension: str | None, positional: tuple[str, ...], tags: tuple[str, ...] = ()) -> Spec:
    return Spec(extension, positional, tags)


COMMANDS = {
    # RFC 5228 §3 control commands, §4 actions
    "require": Spec(None, ("strings",)),
    "if": Spec(None, tests="one", block=True),
    "elsif": Spec(None, tests="one", block=True),
    "else": Spec(None, block=True),
    "stop": Spec(None),
    "keep": Spec(None, tags=("flags",)),
    "discard": Spec(None),
    "redirect": Spec(None, ("string",), ("copy",)),
    "fileinto": Spec("fileinto", ("string",), ("copy", "create", "flags")),
    # RFC 5429
    "reject": Spec("reject", ("string",)),
    "ereject": Spec("ereject", ("string",)),
    # RFC 5230 (and RFC 6131 :seconds)
    "vacation": Spec(
        "vacation",
        ("string",),
        ("days", "seconds", "subject", "from", "addresses", "mime", "handle"),
    ),
    # RFC 5232 §3
    "setflag": Spec("imap4flags", ("string?", "strings")),
    "addflag": Spec("imap4flags", ("string?", "strings")),
    "removeflag": Spec("imap4flags", ("string?", "strings")),
    # RFC 5229 §4 (and :quoteregex from the regex draft)
    "set": Spec(
        "variables",
        ("string", "string"),
        ("lower", "upper", "lowerfirst", "upperfirst", "quotewildcard", "quoteregex", "length"),
    ),
    # RFC 6609
    "include": Spec("include", ("string",), ("personal", "global", "once", "optional")),
    "return": Spec("include"),
    "global": Spec("include", ("strings",)),
}

TESTS = {
    # RFC 5228 §5
    "address": _test(None, ("strings", "strings"), _MATCH + _ADDRESS + _INDEX),
    "allof": Spec(None, tests="list"),
    "anyof": Spec(None, tests="list"),
    "envelope": _test("envelope", ("strings", "strings"), _MATCH + _ADDRESS),
    "exists": _test(None, ("strings",)),
    "false": _test(None, ()),
    "header": _test(None, ("strings", "strings"), _MATCH + _INDEX),
    "not": Spec(None, tests="one"),
    "size": _test(None, ("number",), ("over", "under")),
    "true": _test(None, ()),
    # RFC 5232 §4
    "hasflag": _test("imap4flags", ("strings?", "strings"), _MATCH),
    # RFC 5173
    "body": _test("body", ("strings",), (*_MATCH, "raw", "content", "text")),
    # RFC 5229 §5
    "string": _test("variables", ("strings", "strings"), _MATCH),
    # RFC 5260 §4, §5
    "date": _test(
        "date", ("string", "string", "strings"), (*_MATCH, "zone", "originalzone", *_INDEX)
    ),
    "currentdate": _test("date", ("string", "strings"), (*_MATCH, "zone")),
    # RFC 5490 §3.1
    "mailboxexists": _test("mailbox", ("strings",)),
}
