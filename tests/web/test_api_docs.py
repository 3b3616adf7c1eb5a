"""docs/api.md's reading examples work as written: every route and query the *Reading*
section shows answers 200 on Acme (placeholders filled with Acme's ids), so an example that
names a field Acme does not have (``?capabilities=crm`` on initiatives) or a parameter the
route does not take fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
FILL = {"{initiative}": "crm-salesforce", "{column}": "order-to-cash", "{unit}": "storage",
        "{business_unit}": "storage", "{name}": "ada", "REV": "0"}


def reading_examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Reading"):text.index("## Writing")]
    out = []
    for code in re.findall(r"`([^`]*)`", section):
        path = code.removeprefix("GET ").strip()
        if not path.startswith("/") or "{kind}" in path or " " in path:
            continue
        for k, v in FILL.items():
            path = path.replace(k, v)
        out.append(path)
    return sorted(set(out))


EXAMPLES = reading_examples()


def test_the_reading_section_has_its_examples() -> None:
    assert len(EXAMPLES) >= 20, EXAMPLES


@pytest.fixture(scope="module")
def admin(app: Any, url: str) -> Any:
    """An admin's client of the module's store (one store: the solves of /explain and /diff
    are shared through the plan cache)."""
    from .test_api_shapes import client_of

    with client_of(app, url, "ada") as c:
        yield c


@pytest.mark.parametrize("path", EXAMPLES)
def test_a_reading_example_answers_as_written(admin: Any, path: str) -> None:
    r = admin.get(path)
    assert r.status_code == 200, (path, r.text[:400])
    if path.split("?")[0] in ("/capabilities", "/assessments", "/initiatives",
                              "/applications") and "?" in path:
        assert r.json()["total"] > 0, (path, "the example finds nothing on Acme")
