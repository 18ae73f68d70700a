"""Several processes starting at once on a new database (workers, a crawl and the scheduler)
migrate it one at a time: none fails with "table ... already exists"."""

from __future__ import annotations

import multiprocessing

from storage.db import current_revision, make_engine, table_names


def _upgrade(url: str) -> None:
    from storage.db import make_engine, upgrade

    upgrade(make_engine(url))


def test_concurrent_first_migrations_all_succeed(database_url):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_upgrade, args=(database_url,)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    engine = make_engine(database_url)
    assert current_revision(engine) is not None
    assert "articles" in table_names(engine)
