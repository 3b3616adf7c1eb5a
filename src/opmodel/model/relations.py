"""Relations between initiatives that cannot all hold: exclusions against dependencies and
mandatory work, checked whichever side names them (part of :func:`.validate.validate`).

The optimizer treats ``a excludes b`` and ``b excludes a`` alike (one pair, at most one of
the two funded) and funds an initiative only after everything it depends on, directly or
through others. So an exclusion is one pair, and a conflict is found through chains of
dependencies, not only between the two initiatives that name each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import Issue, PathPart
from .enterprise import Enterprise

Path = tuple[PathPart, ...]


def _chain(parent: dict[str, str | None], node: str) -> list[str]:
    """The path from the search's start to ``node`` in a breadth-first ``parent`` map."""
    out = [node]
    while (up := parent[out[-1]]) is not None:
        out.append(up)
    return out[::-1]


def _search(graph: Mapping[str, Sequence[str]], starts: Iterable[str]) -> dict[str, str | None]:
    """Everything reachable from ``starts`` in ``graph`` (the starts included), each with
    the node it was first reached from (None for a start): breadth first, so the chains
    that :func:`_chain` rebuilds are shortest. Safe on cycles (reported elsewhere)."""
    parent: dict[str, str | None] = {}
    queue: list[str] = []
    for s in starts:
        if s not in parent:
            parent[s] = None
            queue.append(s)
    for node in queue:  # the list grows as it is walked
        for nxt in graph.get(node, ()):
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return parent


def _through(chain: list[str]) -> str:
    """`` (through 'b', 'c')`` for the inner links of a chain, empty for a direct link."""
    inner = chain[1:-1]
    return f" (through {', '.join(repr(x) for x in inner)})" if inner else ""


def exclusion_issues(e: Enterprise, pos: dict[str, int]) -> list[Issue]:
    """Exclusions and dependencies that contradict each other, whichever side names them.

    An exclusion is one pair however many sides list it, reported at its first listing.
    It conflicts (E-CONFLICT) when both ends must be funded (each mandatory, or required
    by mandatory work through its dependencies); when one end depends on the other,
    directly or through others (the dependent can never be funded); or when a third
    initiative depends on both ends (it can never be funded). Mandatory work depending on
    forbidden work, directly or through others, conflicts too. ``pos`` gives each id's
    first position in ``e.initiatives`` (later duplicates are reported elsewhere).
    """
    issues: list[Issue] = []

    def add(code: str, message: str, path: Path, hint: str) -> None:
        issues.append(Issue(code, message, path, hint=hint))

    first = [it for i, it in enumerate(e.initiatives) if pos[it.id] == i]
    deps = {it.id: [d for d in it.depends_on if d in pos and d != it.id] for it in first}
    dependents: dict[str, list[str]] = {}
    for it in first:
        for d in deps[it.id]:
            dependents.setdefault(d, []).append(it.id)
    mandatory = {it.id for it in first if it.mandatory}
    # what mandatory work needs funded: every initiative it depends on, directly or not
    needed = _search(deps, [it.id for it in first if it.mandatory])
    for it in first:
        if it.forbidden and it.id in needed and needed[it.id] is not None:
            chain = _chain(needed, it.id)
            root = pos[chain[0]]
            k = e.initiatives[root].depends_on.index(chain[1])
            add("E-CONFLICT", f"mandatory initiative '{chain[0]}' depends on forbidden "
                  f"initiative '{it.id}'{_through(chain)}", ("initiatives", root,
                  "depends_on", k), hint="make it optional or allow the forbidden work")
    below: dict[str, dict[str, str | None]] = {}  # an end → its dependents, direct or not

    def dependents_of(x: str) -> dict[str, str | None]:
        if x not in below:
            below[x] = _search(dependents, [x])
        return below[x]

    def why(y: str) -> str:
        return ("is mandatory" if y in mandatory else
                f"is needed by mandatory '{_chain(needed, y)[0]}'")

    seen: set[frozenset[str]] = set()
    for i, it in enumerate(e.initiatives):
        for k, x in enumerate(it.excludes):
            pair = frozenset((it.id, x))
            if x == it.id or x not in pos or it.id not in pos or pair in seen:
                continue
            seen.add(pair)
            a, b = it.id, x
            where: Path = ("initiatives", i, "excludes", k)
            if a in needed and b in needed:
                if a in mandatory and b in mandatory:
                    msg = f"mandatory initiatives '{a}' and '{b}' exclude each other"
                else:
                    msg = (f"'{a}' and '{b}' exclude each other but both must be funded: "
                           f"'{a}' {why(a)}, '{b}' {why(b)}")
                add("E-CONFLICT", msg, where,
                      hint="make one of them optional or drop the exclusion")
                continue
            down_a, down_b = dependents_of(a), dependents_of(b)
            if b in down_a or a in down_b:
                base, top = (a, b) if b in down_a else (b, a)
                chain = _chain(below[base], top)[::-1]  # top → … → base
                if top == a and len(chain) == 2:
                    msg = f"initiative '{a}' both depends on and excludes '{b}'"
                else:
                    msg = (f"'{top}' depends on '{base}'{_through(chain)} but they exclude "
                           f"each other: '{top}' can never be funded")
                add("E-CONFLICT", msg, where,
                      hint="drop the exclusion or the dependency")
                continue
            both = [y for y in down_a if y in down_b]
            if both:
                y = min(both, key=pos.__getitem__)
                more = f" (and {len(both) - 1} more)" if len(both) > 1 else ""
                add("E-CONFLICT", f"'{y}' depends on both '{a}' and '{b}', which exclude "
                      f"each other: '{y}'{more} can never be funded", where,
                      hint="drop the exclusion or one of the dependencies")
    return issues


__all__ = ["exclusion_issues"]
