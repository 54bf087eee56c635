"""hato.proto.imap: the sans-IO IMAP4rev1 core (RFC 3501 and extensions).

Bytes in (`ImapReader.receive_data`), events out (`ImapReader.next_event`):
parsed `Command` dataclasses, `ParseError` (with the exact answer to send),
`ContinuationNeeded` (send its `data`), `SaslResponse`, `IdleDone`.  The
dispatcher asks `allowed(command, state)` and encodes answers with the
helpers of the response encoder.  No I/O happens here.
"""

from ._commands import (
    Append,
    AppendMessage,
    Authenticate,
    CancelUpdate,
    Capability,
    CatenateText,
    CatenateUrl,
    Check,
    Close,
    Command,
    Compress,
    Copy,
    Create,
    Delete,
    Enable,
    Examine,
    Expunge,
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    List,
    Login,
    Logout,
    Lsub,
    Move,
    Namespace,
    Noop,
    QResync,
    Rename,
    Replace,
    Select,
    SetQuota,
    StartTLS,
    Status,
    Store,
    Subscribe,
    Unauthenticate,
    Unselect,
    Unsubscribe,
)
from ._dates import format_date_time
from ._encode import (
    Atom,
    Literal,
    Raw,
    Utf8Quoted,
    Value,
    capability_response,
    continuation,
    encode,
    encode_flags,
    esearch_response,
    exists_response,
    expunge_response,
    fetch_response,
    fetch_response_parts,
    fetch_template,
    numbers_response,
    recent_response,
    resp_code,
    selected_numbers,
    tagged,
    thread_response,
    untagged,
    untagged_status,
    vanished_response,
)
from ._events import ContinuationNeeded, IdleDone, ParseError, SaslResponse
from ._fetch import Fetch, FetchAttr, Section
from ._flags import SYSTEM_FLAGS
from ._grammar import parse_command
from ._grammar_metadata import GetMetadata, SetMetadata
from ._grammar_notify import MultiSearch, Notify, NotifyGroup
from ._grammar_search import Search, SearchReturn, Sort, SortCriterion, Thread
from ._grammar_urlauth import FetchUrl, GenUrlAuth, ResetKey, UrlFetch
from ._mutf7 import MUTF7Error, decode_mutf7, encode_mutf7
from ._reader import Event, ImapReader
from ._search import (
    SEARCH_CHARSETS,
    SearchAge,
    SearchAll,
    SearchAnd,
    SearchDate,
    SearchFlag,
    SearchHeader,
    SearchKey,
    SearchModSeq,
    SearchNot,
    SearchObjectId,
    SearchOr,
    SearchSequence,
    SearchSize,
    SearchText,
    search_leaves,
)
from ._seqset import STAR, SequenceSet, format_sequence
from ._spool import LiteralSink, SpooledLiteral, SpoolFactory
from ._states import STATE_TABLE, Outcome, State, allowed, next_state, outcome_of_failure, refusal
from ._tokens import Utf8Mode
from ._url import ImapUrl, UrlAuth, UrlError, parse_imap_url

__all__ = [
    "SEARCH_CHARSETS", "STAR", "STATE_TABLE", "SYSTEM_FLAGS", "Append", "AppendMessage", "Atom",
    "Authenticate", "CancelUpdate", "Capability", "CatenateText", "CatenateUrl", "Check",
    "Close", "Command", "Compress",
    "ContinuationNeeded", "Copy", "Create", "Delete", "Enable", "Event", "Examine", "Expunge",
    "Fetch", "FetchAttr", "FetchUrl", "GenUrlAuth", "GetMetadata", "GetQuota", "GetQuotaRoot",
    "Id", "Idle", "IdleDone",
    "ImapReader", "ImapUrl",
    "List", "Literal",
    "LiteralSink", "Login", "Logout", "Lsub", "MUTF7Error", "Move", "MultiSearch", "Namespace",
    "Noop", "Notify",
    "NotifyGroup",
    "Outcome", "ParseError", "QResync", "Raw", "Rename", "Replace", "ResetKey", "SaslResponse",
    "Search",
    "SearchAge",
    "SearchAll", "SearchAnd", "SearchDate", "SearchFlag", "SearchHeader", "SearchKey",
    "SearchModSeq", "SearchNot", "SearchObjectId", "SearchOr", "SearchReturn", "SearchSequence",
    "SearchSize",
    "SearchText", "Section", "Select", "SequenceSet", "SetMetadata", "SetQuota", "Sort",
    "SortCriterion", "SpoolFactory",
    "SpooledLiteral", "StartTLS", "State", "Status", "Store", "Subscribe", "Thread",
    "Unauthenticate", "Unselect",
    "Unsubscribe", "UrlAuth", "UrlError", "UrlFetch", "Utf8Mode", "Utf8Quoted",
    "Value", "allowed", "capability_response", "continuation", "decode_mutf7",
    "encode", "encode_flags", "encode_mutf7", "esearch_response", "exists_response",
    "expunge_response",
    "fetch_response", "fetch_response_parts", "fetch_template", "format_date_time",
    "format_sequence", "next_state", "numbers_response", "outcome_of_failure", "parse_command",
    "parse_imap_url", "recent_response",
    "refusal", "resp_code", "search_leaves", "selected_numbers", "tagged", "thread_response",
    "untagged",
    "untagged_status", "vanished_response",
]  # fmt: skip
