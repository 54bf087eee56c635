"""The OpenAPI 3.1 description of the JSON API, served at ``/api/v1/openapi.json``.

One table of the endpoints (``_ENDPOINTS``) is turned into the document, so each
endpoint is described once; docs/api.md says the same in prose.
"""

from __future__ import annotations

from typing import Any

from hato import __version__

__all__ = ["OPENAPI"]

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
       "description": "a message id (MAILBOX-UIDVALIDITY-UID), or latest"}  # fmt: skip
_PART = {"name": "part", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "a part id: its IMAP part number, e.g. 2 or 1.3"}  # fmt: skip


def _query(name: str, kind: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": kind}, "description": text}


_MAILBOX = _query("mailbox", "string", "the mailbox (INBOX by default)")
_PAGING = [
    _query("start", "integer", "lines to skip (0)"),
    _query("limit", "integer", "lines to give (50, at most 1000)"),
    _MAILBOX,
]
_IDS_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/IDs"}}}}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


# (method, path, summary, Mailpit-compatible, parameters, request body, 200 answer)
_ENDPOINTS: list[tuple[str, str, str, bool, list[Any], Any, dict[str, Any]]] = [
    ("get", "/messages", "A page of messages, newest first", True, _PAGING, None,
     {"description": "the page", **_json("MessagesSummary")}),
    ("put", "/messages", "Mark messages read or unread (and flagged)", True, [_MAILBOX],
     {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/SetRead"}}}},
     _text("ok")),
    ("delete", "/messages", "Delete messages for good; no body: every message", True,
     [_MAILBOX], _IDS_BODY, _text("ok")),
    ("get", "/search", "Search (from: to: subject: has:attachment is:unread before: after:"
     " words), IMAP SEARCH semantics", True,
     [_query("query", "string", "the search"), *_PAGING], None,
     {"description": "the matching page", **_json("MessagesSummary")}),
    ("get", "/message/{id}", "One message, parsed (marks it read)", True, [_ID], None,
     {"description": "the message", **_json("Message")}),
    ("delete", "/message/{id}", "Delete one message for good", False, [_ID], None, _text("ok")),
    ("get", "/message/{id}/raw", "The message as stored", True, [_ID], None,
     _text("RFC 5322 bytes")),
    ("get", "/message/{id}/headers", "Header fields and their values", True, [_ID], None,
     {"description": "name -> values", "content": {"application/json": {"schema": {
         "type": "object", "additionalProperties": {"type": "array", "items": {
             "type": "string"}}}}}}),
    ("get", "/message/{id}/part/{part}", "Download one part (attachment)", True, [_ID, _PART],
     None, {"description": "the part's bytes, Content-Disposition: attachment"}),
    ("put", "/message/{id}/flags", "Add and remove IMAP flags or keywords", False, [_ID],
     {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Flags"}}}},
     {"description": "the message's summary", **_json("MessageSummary")}),
    ("get", "/mailboxes", "The account's mailboxes and their counts", False, [], None,
     {"description": "mailboxes", "content": {"application/json": {"schema": {
         "type": "array", "items": {"$ref": "#/components/schemas/Mailbox"}}}}}),
    ("get", "/wait", "Wait for a message (To and Subject containing), or one already there",
     False, [_query("to", "string", "part of a To address"),
             _query("subject", "string", "part of the Subject"),
             _query("timeout", "number", "seconds (30; at most 300)")], None,
     {"description": "the newest such message", **_json("MessageSummary")}),
    ("post", "/send", "Send a message through the submission path", True, [],
     {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Send"}}}},
     {"description": "queued", "content": {"application/json": {"schema": {
         "type": "object", "properties": {"ID": {"type": "string"}}}}}}),
]  # fmt: skip

_ERRORS = {
    status: {"description": text, **_json("Error")}
    for status, text in (
        ("400", "not a valid request"),
        ("401", "no or wrong credentials"),
        ("403", "a cookie request without its CSRF token"),
        ("404", "no such message, part or mailbox in this account"),
        ("408", "wait: no such message in time"),
        ("413", "request body too large"),
        ("429", "too many wait calls at once"),
    )
}

_STRINGS = {"type": "array", "items": {"type": "string"}}
_PERSON = {
    "type": "object",
    "properties": {"Name": {"type": "string"}, "Address": {"type": "string"}},
}
_PEOPLE = {"type": "array", "items": {"$ref": "#/components/schemas/Address"}}
_SUMMARY_FIELDS: dict[str, Any] = {
    "ID": {"type": "string"}, "MessageID": {"type": "string"}, "Read": {"type": "boolean"},
    "From": {"$ref": "#/components/schemas/Address"}, "To": _PEOPLE, "Cc": _PEOPLE,
    "Bcc": _PEOPLE, "ReplyTo": _PEOPLE, "Subject": {"type": "string"},
    "Created": {"type": "string", "format": "date-time"}, "Tags": {"type": "array"},
    "Size": {"type": "integer"}, "Attachments": {"type": "integer"},
    "Snippet": {"type": "string"}, "Mailbox": {"type": "string"},
    "Flags": {"type": "array", "items": {"type": "string"}}, "Flagged": {"type": "boolean"},
}  # fmt: skip
_ATTACHMENT = {"type": "object", "properties": {
    "PartID": {"type": "string"}, "FileName": {"type": "string"},
    "ContentType": {"type": "string"}, "ContentID": {"type": "string"},
    "Size": {"type": "integer"}}}  # fmt: skip

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
    "Address": _PERSON,
    "MessageSummary": {"type": "object", "properties": _SUMMARY_FIELDS},
    "MessagesSummary": {"type": "object", "properties": {
        "total": {"type": "integer"}, "unread": {"type": "integer"},
        "count": {"type": "integer"}, "messages_count": {"type": "integer"},
        "start": {"type": "integer"}, "tags": {"type": "array"},
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/MessageSummary"}},
    }},
    "Message": {"type": "object", "properties": {
        **_SUMMARY_FIELDS, "Text": {"type": "string"}, "HTML": {"type": "string"},
        "ReturnPath": {"type": "string"}, "Date": {"type": "string"},
        "Inline": {"type": "array", "items": _ATTACHMENT},
        "Attachments": {"type": "array", "items": _ATTACHMENT},
        "Parts": {"type": "object", "description": "the MIME tree"},
    }},
    "IDs": {"type": "object", "properties": {"IDs": _STRINGS}},
    "SetRead": {"type": "object", "properties": {
        "IDs": {"type": "array", "items": {"type": "string"}}, "Read": {"type": "boolean"},
        "Flagged": {"type": "boolean"}}},
    "Flags": {"type": "object", "properties": {
        "add": {"type": "array", "items": {"type": "string"}},
        "remove": {"type": "array", "items": {"type": "string"}}}},
    "Mailbox": {"type": "object", "properties": {
        "Name": {"type": "string"}, "Messages": {"type": "integer"},
        "Unread": {"type": "integer"}, "Size": {"type": "integer"}}},
    "Send": {"type": "object", "required": ["From", "To"], "properties": {
        "From": {"type": "object", "properties": {"Email": {"type": "string"},
                                                  "Name": {"type": "string"}}},
        "To": {"type": "array", "items": {"type": "object"}},
        "Cc": {"type": "array", "items": {"type": "object"}},
        "Bcc": {"type": "array", "items": {"type": "string"}},
        "Subject": {"type": "string"}, "Text": {"type": "string"}, "HTML": {"type": "string"},
        "Attachments": {"type": "array", "items": {"type": "object", "properties": {
            "Content": {"type": "string", "description": "base64"},
            "Filename": {"type": "string"}}}}}},
}  # fmt: skip


def _operation(summary: str, mailpit: bool, parameters: list[Any], body: Any, ok: Any) -> Any:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["Mailpit-compatible" if mailpit else "hato"],
        "parameters": parameters,
        "responses": {"200": ok, **_ERRORS},
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path, summary, mailpit, parameters, body, ok in _ENDPOINTS:
        paths.setdefault(f"/api/v1{path}", {})[method] = _operation(
            summary, mailpit, parameters, body, ok
        )
    return paths


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "hato JSON API",
        "version": __version__,
        "description": "What test suites use: see docs/api.md. Authenticate with HTTP "
        "Basic (over TLS or from loopback) or Authorization: Bearer TOKEN (hato user token).",
    },
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    },
    "security": [{"basic": []}, {"bearer": []}],
    "paths": _paths(),
}
