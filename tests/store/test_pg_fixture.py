from __future__ import annotations

import psycopg


def test_pg_server_is_real_postgresql(pg_url: str) -> None:
    dsn = pg_url.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()
    assert version is not None and version[0].split(".")[0].isdigit()
