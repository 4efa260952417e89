"""The kit's own guard: rows written by async ORM calls never outlive their check.

Async ORM methods run their query through ``sync_to_async``; if that reached another thread's
connection, the rows would escape the check's transaction and leak into the next check. The
first test writes through the async path; the second, which pytest runs right after it,
would see any leftover row.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync

from testapp.models import Tag


def test_rows_written_by_async_calls_are_written(db):
    async def write_and_count():
        await Tag.objects.acreate(name="leak-probe")
        return await Tag.objects.filter(name="leak-probe").acount()

    assert async_to_sync(write_and_count)() == 1


def test_rows_written_by_async_calls_do_not_leak_into_the_next_check(db):
    async def count():
        return await Tag.objects.filter(name="leak-probe").acount()

    assert async_to_sync(count)() == 0
    assert Tag.objects.filter(name="leak-probe").count() == 0
