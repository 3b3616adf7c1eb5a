"""Store URLs and instants: what users type, what SQLAlchemy needs, what is stored."""

from __future__ import annotations

import datetime as dt
import os
import re

from ..errors import InputError

URL_RE = re.compile(r"^(sqlite|postgres|postgresql)(\+\w+)?://", re.IGNORECASE)
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def is_url(source: str | os.PathLike[str]) -> bool:
    """True when ``source`` names a database (``sqlite:///…``, ``postgresql://…``)."""
    return isinstance(source, str) and bool(URL_RE.match(source.strip()))


def normalize_url(url: str) -> str:
    """The SQLAlchemy URL for what a user typed: ``postgresql://`` and ``postgres://`` use
    psycopg 3; SQLite URLs are kept."""
    url = url.strip()
    m = URL_RE.match(url)
    if not m:
        raise InputError(f"'{url}' is not a database URL",
                         hint="use sqlite:///file.db or postgresql://user@host/db")
    scheme, driver = m.group(1).lower(), m.group(2)
    rest = url[m.end():]
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+{(driver or '+psycopg')[1:]}://{rest}"
    return f"sqlite{driver or ''}://{rest}"


def display_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def instant_text(at: str | dt.datetime) -> str:
    """An instant as stored (UTC, microseconds, 'Z'); naive times are taken as UTC."""
    if isinstance(at, str):
        text = at.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = dt.datetime.fromisoformat(text)
            if when.tzinfo is not None:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
                when = when.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            from ..io.safefile import excerpt

            raise InputError(f"--at '{excerpt(at)}' is not a date and time like "
                             "2027-03-31T17:00",
                             hint="write YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), or a revision "
                                  "number like r42") from None
    else:
        when = at
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
