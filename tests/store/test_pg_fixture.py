"""The suite's PostgreSQL server is a real one, reachable at the fixture's URL."""

from __future__ import annotations

import psycopg


def test_pg_server_is_real_postgresql(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert version is not None and int(version[0].split(".")[0]) >= 12
    assert listen == ("127.0.0.1",)  # loopback only
