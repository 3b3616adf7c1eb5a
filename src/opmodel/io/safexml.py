"""Parsing XML from other tools safely: no DTDs, no entity expansion, no network.

lxml is told not to resolve entities, load DTDs or touch the network, and keeps its limits
on tree depth and text size (``huge_tree=False``). On top of that any ``<!DOCTYPE`` is
refused outright: exchange files never need one, and a DOCTYPE is how entity-expansion
bombs ("billion laughs") and external-entity file reads (XXE) arrive. Every failure is a
:class:`~opmodel.errors.ModelError` located at ``file:line:col``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from ..errors import InputError, Issue, ModelError
from .safefile import not_regular

MAX_BYTES = 1 << 30  # 1 GiB: far above any real model
#: tags ('<') in a file: the parsed tree costs ~130 bytes a tag or more (40 MB of `<e/>`
#: took 1.35 GB), so 1 GiB of them would need some 35 GB. The largest generated model's
#: exchange file (100,000 assessments, 20,000 applications) has about 4 million.
MAX_TAGS = 20_000_000
_HUGE = re.compile(r",?\s*(use|try)\s+XML_PARSE_HUGE( option)?", re.IGNORECASE)


def _parser(remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, collect_ids=False,
                           remove_blank_text=remove_blank_text)


def _issue(path: Path, line: int, col: int | None, msg: str, hint: str | None = None) -> Issue:
    loc = f"{path.name}:{line}" + (f":{col}" if col else "")
    return Issue("E-XML", msg, (), hint=hint).at(loc, (path.name, line, col or 0))


def _doctype_line(data: bytes) -> int | None:
    """Line of a DOCTYPE declaration near the start of the document (any common encoding)."""
    head = data[: 1 << 16]
    for enc in ("utf-8", "utf-16", "utf-16-be", "utf-16-le"):  # (UTF-16 with no BOM too)
        try:
            text = head.decode(enc, errors="ignore")
        except LookupError:  # pragma: no cover
            continue
        k = text.find("<!DOCTYPE")
        if k >= 0:
            return text.count("\n", 0, k) + 1
    return None


def refused(path: Path, line: int) -> ModelError:
    return ModelError([_issue(
        path, line, None, "the file has a DOCTYPE declaration; DTDs and entities are refused "
        "(they are how entity-expansion bombs and external-entity file reads work)",
        hint="export the file again from your modelling tool; exchange files need no DTD")],
        source=str(path))


def parse_file(path: str | os.PathLike[str], *, remove_blank_text: bool = False
               ) -> etree._ElementTree:
    """Parse ``path`` safely; raise :class:`ModelError` (located) if it is not plain XML.

    ``remove_blank_text`` leaves out the whitespace between elements (indentation), which
    is most of the text nodes of a pretty-printed file: a reader that only looks at
    elements, attributes and the text of leaf elements gets the same answers from a
    tree ~40 % smaller, that is quicker to build, walk and free."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file", hint="give the path of an exchange file (.xml)")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not an XML file")
    kind = not_regular(p)
    if kind is not None:
        raise InputError(f"{p} is {kind}, not a regular file; refusing to read it")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise ModelError([_issue(p, 1, None, f"the file is {size:,} bytes, above the limit of "
                                 f"{MAX_BYTES:,}; refusing it")], source=str(p))
    data = p.read_bytes()
    line = _doctype_line(data)
    if line is not None:
        raise refused(p, line)
    tags = data.count(b"<")
    if tags > MAX_TAGS:
        raise ModelError([_issue(p, 1, None, f"the file has {tags:,} tags, above the limit of "
                                 f"{MAX_TAGS:,} (the tree of each costs memory: this many "
                                 "would need far more than a model does); refusing it",
                                 hint="is this an exchange file of one model? the largest "
                                 "opmodel is tested with has about 4 million")],
                         source=str(p))
    try:
        tree = etree.fromstring(data, _parser(remove_blank_text)).getroottree()
    except etree.XMLSyntaxError as exc:
        ln, col = exc.position if exc.position else (exc.lineno or 1, 0)
        msg = str(exc.msg or exc).split(", line ")[0].strip()
        if "XML_PARSE_HUGE" in msg:  # libxml2's advice is to lift the limit: not ours to take
            msg = _HUGE.sub("", msg).strip(" ,:")
            issue = _issue(p, ln or 1, col or None, f"the file is beyond the XML parser's "
                           f"safety limits: {msg}", hint="a modelling tool's exchange "
                           "file stays far inside them — at most 256 levels deep and 10 MB in "
                           "one text or attribute; export the file again")
        else:
            issue = _issue(p, ln or 1, col or None, f"not well-formed XML: {msg}",
                           hint="is the file complete? export it again")
        raise ModelError([issue], source=str(p)) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # pragma: no cover
        raise refused(p, 1)
    return tree
