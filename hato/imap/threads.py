"""The THREAD algorithms of RFC 5256 over stored keys, as Dovecot runs them; no I/O.

Theory of operation.  Messages are *positions* (0-based, ascending = mailbox
order = UID order); a thread tree is a ``Forest`` whose nodes are positions,
or negative numbers for dummies (messages referenced but not present, or the
dummy parents step (5)(C) makes).  Every loop is iterative: a chain of
references 100,000 deep costs no Python stack.

- ORDEREDSUBJECT (RFC 5256 §3): sorted by base subject then sent date,
  consecutive equal subjects make one thread whose children are flat; threads
  ordered by their first message's date.
- REFERENCES (RFC 5256 §3, steps (1) to (6)): links from References (or the
  first In-Reply-To id when there is none), with Dovecot's choices where the
  RFC leaves room (src/lib-storage/index/index-thread-links.c and
  index-thread-finish.c): a message's own last reference replaces the parent
  other messages gave it (a message with no references is a root); a
  duplicate Message-ID is a message without one; a message id must hold "@";
  dummies between messages vanish (step 3), a root dummy with one child is
  replaced by it; base subjects then merge root threads (step 5).
- REFS (Dovecot's THREAD=REFS): REFERENCES without step (5); threads ordered
  by their latest message's date.

Dates are the sent date, else INTERNALDATE (RFC 5256 §2.2); ties go by
mailbox order.  ``render`` writes the ``* THREAD`` answer of RFC 5256 §4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from hato.mime import is_reply_or_forward
from hato.proto.imap import thread_response

__all__ = [
    "Forest",
    "Label",
    "ThreadKeys",
    "ordered_subject",
    "references",
    "refs",
    "render",
]

NONE = -1  # no parent (a root), or not a message (a dummy)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    """Stored keys by position (hato.mime.HeaderColumns fields), all optional but dates.

    ``dates`` are already the sent date or INTERNALDATE; ``subjects`` the
    casemapped base subjects (sort_subject); ``references`` the References
    msg-ids joined by spaces; ``raw_subjects`` the decoded Subject, read only
    to tell replies and forwards (RFC 5256 §3 step (5)(C)).
    """

    dates: Sequence[int]
    subjects: Sequence[str | None] = ()
    message_ids: Sequence[str | None] = ()
    in_reply_to: Sequence[str | None] = ()
    references: Sequence[str | None] = ()
    raw_subjects: Sequence[str | None] = ()


@dataclass(slots=True)
class Forest:
    """Roots in answer order; ``children`` of a node in answer order (absent: none)."""

    roots: list[int] = field(default_factory=list)
    children: dict[int, list[int]] = field(default_factory=dict)


# --- ORDEREDSUBJECT -------------------------------------------------------------------


def ordered_subject(positions: Sequence[int], keys: ThreadKeys) -> Forest:
    """RFC 5256 §3 ORDEREDSUBJECT over the matching ``positions`` (ascending)."""
    dates, subjects = keys.dates, keys.subjects
    by_subject = sorted(positions, key=dates.__getitem__)
    by_subject.sort(key=lambda at: subjects[at] or "")
    forest = Forest()
    previous: str | None = None
    for at in by_subject:
        subject = subjects[at] or ""
        if subject != previous or not forest.roots:
            forest.roots.append(at)
            previous = subject
        else:
            forest.children.setdefault(forest.roots[-1], []).append(at)
    forest.roots.sort(key=lambda root: (dates[root], root))
    return forest


# --- REFERENCES and REFS: step (1), the links -----------------------------------------


class _Links:
    """The id_table of RFC 5256 step (1): nodes with parents, some of them messages.

    A link is refused if it would make a loop: the child (always a root then)
    must not be the root above the parent.  Roots are found through ``jump``,
    an ancestor of each node remembered with path compression: links only
    give roots a parent, so an ancestor stays one until a link is cut, which
    makes every jump stale (``epoch``).  Cuts are rare (a message's own
    References contradicting others'), so finding a root costs near O(1).
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.parent: list[int] = []
        self.message: list[int] = []  # the node's position, NONE for a dummy
        self.has_children = bytearray()
        self.jump: list[int] = []
        self.jump_epoch: list[int] = []
        self.epoch = 0

    def node(self, msgid: str) -> int:
        found = self.ids.get(msgid)
        if found is None:
            found = self.ids[msgid] = self._new()
        return found

    def _new(self) -> int:
        self.parent.append(NONE)
        self.message.append(NONE)
        self.has_children.append(0)
        self.jump.append(NONE)
        self.jump_epoch.append(-1)
        return len(self.parent) - 1

    def add(self, at: int, msgid: str | None, references: list[str]) -> int:
        """Step (1) for the message at ``at``; its node."""
        own = self._own_node(msgid)
        self.message[own] = at
        last = NONE
        for msgid_ref in references:  # (1)(A): link the references in order
            node = self.node(msgid_ref)
            if last != NONE:
                self.link(last, node)
            last = node
        if self.parent[own] not in (NONE, last):  # (1)(B): its own claim wins
            self.parent[own] = NONE
            self.epoch += 1
        if last != NONE:
            self.link(last, own)
        return own

    def _own_node(self, msgid: str | None) -> int:
        """The node of a message: its id's, unless it has none or a message holds it."""
        if not msgid:
            return self._new()
        found = self.node(msgid)
        return self._new() if self.message[found] != NONE else found

    def link(self, parent: int, child: int) -> None:
        """Make ``parent`` the parent of ``child`` unless it has one or it makes a loop."""
        if self.parent[child] != NONE or parent == child:
            return
        if self.has_children[child] and self._root(parent) == child:
            return
        self.parent[child] = parent
        self.has_children[parent] = 1

    def _root(self, node: int) -> int:
        """The root above ``node`` (or itself), remembered for the nodes passed."""
        parent, jump, jump_epoch, epoch = self.parent, self.jump, self.jump_epoch, self.epoch
        passed = []
        while True:
            above = jump[node] if jump_epoch[node] == epoch else parent[node]
            if above == NONE:
                break
            passed.append(node)
            node = above
        for below in passed:
            jump[below] = node
            jump_epoch[below] = epoch
        return node


def _reference_ids(references: str | None, in_reply_to: str | None) -> list[str]:
    """The References ids, else the In-Reply-To one (Dovecot: only ids with "@")."""
    if references:
        found = [msgid for msgid in references.split() if "@" in msgid]
        if found:
            return found
    return [in_reply_to] if in_reply_to and "@" in in_reply_to else []


def _link_all(positions: Sequence[int], keys: ThreadKeys) -> tuple[_Links, list[int]]:
    links = _Links()
    message_ids, in_reply_to, references = keys.message_ids, keys.in_reply_to, keys.references
    nodes = []
    for at in positions:
        msgid = message_ids[at]
        msgid = msgid if msgid and "@" in msgid else None
        refs_of = _reference_ids(references[at], in_reply_to[at])
        nodes.append(links.add(at, msgid, refs_of))
    return links, nodes


# --- steps (2) and (3): roots, dummies pruned -----------------------------------------


def _dummy(node: int) -> int:
    return -1 - node


def _pruned(links: _Links, nodes: list[int], dates: Sequence[int]) -> Forest:
    """Every message under its nearest message ancestor, or under its topmost dummy;
    the roots: messages without parent and dummies with children (unsorted)."""
    parent, message = links.parent, links.message
    resolved: dict[int, int] = {}
    forest = Forest()
    children = forest.children
    for node in nodes:
        above = parent[node]
        at = message[node]
        if above == NONE:
            forest.roots.append(at)
            continue
        above = _first_kept(above, parent, message, resolved)
        holder = message[above] if message[above] != NONE else _dummy(above)
        kids = children.get(holder)
        if kids is None:
            kids = children[holder] = []
            if holder < 0:
                forest.roots.append(holder)
        kids.append(at)
    for kids in children.values():  # built in mailbox order: a stable sort keeps ties so
        kids.sort(key=dates.__getitem__)
    return forest


def _first_kept(node: int, parent: list[int], message: list[int], resolved: dict[int, int]) -> int:
    """The first message at or above ``node``, else the topmost dummy (memoized)."""
    passed = []
    while message[node] == NONE and parent[node] != NONE:
        known = resolved.get(node)
        if known is not None:
            node = known
            break
        passed.append(node)
        node = parent[node]
    for dummy in passed:
        resolved[dummy] = node
    return node


# --- REFERENCES: steps (4) to (6) -----------------------------------------------------


def references(positions: Sequence[int], keys: ThreadKeys) -> Forest:
    """RFC 5256 §3 REFERENCES over the matching ``positions`` (ascending)."""
    links, nodes = _link_all(positions, keys)
    forest = _pruned(links, nodes, keys.dates)
    _promote_only_children(forest)
    _sort_roots(forest, keys.dates)
    if _merge_subjects(forest, keys):
        _sort_roots(forest, keys.dates)
    return forest


def _promote_only_children(forest: Forest) -> None:
    """Step (3), deferred as Dovecot does: a root dummy with one child becomes it."""
    children = forest.children
    for index, root in enumerate(forest.roots):
        if root < 0 and len(children[root]) == 1:
            forest.roots[index] = children.pop(root)[0]


def _sort_roots(forest: Forest, dates: Sequence[int]) -> None:
    """Step (4): by date, a dummy by its first (oldest) child's; ties in mailbox order."""
    children = forest.children

    def key(root: int) -> tuple[int, int]:
        first = children[root][0] if root < 0 else root
        return dates[first], first

    forest.roots.sort(key=key)


@dataclass(slots=True)
class _Gathered:
    """Step (5)(B) for the roots in order: the subject table's chains."""

    above: list[int]  # index of the root this one merges into, NONE if none
    replies: list[bool]


def _merge_subjects(forest: Forest, keys: ThreadKeys) -> bool:
    """Step (5): root threads with one base subject merged; whether any was."""
    gathered = _gather(forest, keys)
    roots, children = forest.roots, forest.children
    dropped = bytearray(len(roots))
    changed: set[int] = set()
    fresh = min(0, min(children, default=0))  # new dummies below every dummy so far
    for index in range(len(roots)):
        if gathered.above[index] == NONE or dropped[index]:
            continue
        top = index
        while gathered.above[top] != NONE:
            top = gathered.above[top]
        current, held = roots[index], roots[top]
        if current < 0:  # both dummies: the children become siblings
            children[held].extend(children.pop(current))
            changed.add(held)
            dropped[index] = 1
        elif held < 0 or (gathered.replies[index] and not gathered.replies[top]):
            children.setdefault(held, []).append(current)
            changed.add(held)
            dropped[index] = 1
        else:  # a new dummy parents both
            fresh -= 1
            dummy = fresh
            children[dummy] = [held, current]
            changed.add(dummy)
            gathered.above[top] = len(roots)
            gathered.above.append(NONE)
            gathered.replies.append(False)
            roots.append(dummy)
            dropped[top] = dropped[index] = 1
            dropped.append(0)
    if not changed:
        return False
    dates = keys.dates
    for holder in changed:
        if holder in children:
            children[holder].sort(key=lambda at: (dates[at], at))
    forest.roots = [root for index, root in enumerate(roots) if not dropped[index]]
    return True


def _gather(forest: Forest, keys: ThreadKeys) -> _Gathered:
    """Step (5)(B): the subject table, as chains of root indexes (Dovecot's order)."""
    roots, children = forest.roots, forest.children
    subjects, raw = keys.subjects, keys.raw_subjects
    gathered = _Gathered([NONE] * len(roots), [False] * len(roots))
    table: dict[str, int] = {}
    for index, root in enumerate(roots):
        first = children[root][0] if root < 0 else root
        subject = subjects[first]
        if not subject:  # (ii)
            continue
        reply = is_reply_or_forward(raw[first] or "")
        held = table.get(subject)
        if held is None:
            table[subject] = index
        elif roots[held] >= 0 and (root < 0 or (gathered.replies[held] and not reply)):
            gathered.above[held] = index
            table[subject] = index
        else:
            gathered.above[index] = held
        gathered.replies[index] = reply
    return gathered


# --- REFS ------------------------------------------------------------------------------


def refs(positions: Sequence[int], keys: ThreadKeys) -> Forest:
    """Dovecot's REFS: REFERENCES steps (1) to (3) and (6), no subjects; threads
    ordered by their latest message (a dummy root before a message at equal dates)."""
    links, nodes = _link_all(positions, keys)
    forest = _pruned(links, nodes, keys.dates)
    latest = {root: _latest(root, forest.children, keys.dates) for root in forest.roots}

    def key(root: int) -> tuple[int, int, int]:
        first = forest.children[root][0] if root < 0 else root
        return latest[root], 0 if root < 0 else 1, first

    forest.roots.sort(key=key)
    return forest


def _latest(root: int, children: dict[int, list[int]], dates: Sequence[int]) -> int:
    pending = [root]
    newest: int | None = None
    while pending:
        node = pending.pop()
        if node >= 0 and (newest is None or dates[node] > newest):
            newest = dates[node]
        pending.extend(children.get(node, ()))
    return newest if newest is not None else 0


# --- the answer (RFC 5256 §4) ---------------------------------------------------------

Label = Callable[[int], int]


def render(forest: Forest, label: Label) -> bytes:
    """``* THREAD`` and the thread lists, numbers from ``label(position)``.

    thread-list = "(" (thread-members / thread-nested) ")"; a node's only
    child follows it in the same list, several children are nested lists
    (Dovecot's imap_thread_write, written with a stack of pending work).
    """
    out: list[bytes] = []
    children = forest.children
    pending = _nested(reversed(forest.roots), children, label)
    while pending:
        item = pending.pop()
        if isinstance(item, bytes):
            out.append(item)
        elif len(item) == 1:
            node = item[0]
            below = children.get(node)
            if below:
                out.append(b"%d " % label(node))
                pending.append(below)
            else:
                out.append(b"%d" % label(node))
        else:
            pending.extend(_nested(reversed(item), children, label))
    return thread_response(out)


def _nested(
    nodes: Iterable[int], children: dict[int, list[int]], label: Label
) -> list[bytes | list[int]]:
    """Work items for sibling lists, in stack (reversed) order."""
    items: list[bytes | list[int]] = []
    for node in nodes:
        below = children.get(node)
        if not below:
            items.append(b"(%d)" % label(node))
            continue
        items.append(b")")
        items.append(below)
        items.append(b"(" if node < 0 else b"(%d " % label(node))
    return items
