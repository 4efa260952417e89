"""Async and sync writes interleaved on one table agree with a plain-Python model of it.

A Hypothesis rule-based state machine creates, updates, deletes, gets-or-creates,
updates-or-creates and bulk-creates rows, each step through the async method or its sync
twin (Hypothesis picks), and compares every result with a dict that models the table. After
each step an invariant compares ``acount()``, ``count()`` and the rows with the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conformance.runner import probe
from conformance.runner.probe import Outcome
from conformance.verdicts import Verdict
from testapp.models import Record

labels = st.sampled_from(["a", "b", "c", "ü", ""])
numbers = st.integers(-(2**63), 2**63 - 1)
modes = st.sampled_from(["async", "sync"])


def _run(mode: str, make_async: Callable[[], Any], run_sync: Callable[[], Any]) -> Any:
    """One step through the async method (in an event loop) or through its sync twin."""
    if mode == "sync":
        return run_sync()

    async def step():
        return await make_async()

    return async_to_sync(step)()


def machine_for(conformance) -> type[RuleBasedStateMachine]:
    """A state machine class that reports to this check's recorder."""

    class InterleavedWrites(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model: dict[int, tuple[str, int]] = {}
            self.steps: list[str] = []
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def agree(self, what: str, expected: Any, observed: Any) -> None:
            if expected != observed:
                steps = "\n".join(self.steps)
                conformance.record(
                    Outcome(
                        Verdict.DIVERGES,
                        probe.evidence(
                            steps,
                            probe.observed("value", repr(observed)),
                            sync_twin=probe.observed("value", repr(expected)),
                            example=steps,
                        ),
                        f"{what}: the table model expected {expected!r}, got {observed!r}",
                    ),
                    shrink=True,
                )

        def matching(self, label: str) -> list[int]:
            return [pk for pk, (found, _) in self.model.items() if found == label]

        @rule(mode=modes, label=labels, number=numbers)
        def create(self, mode, label, number):
            self.steps.append(f"{mode} create(label={label!r}, number={number})")
            row = _run(
                mode,
                lambda: Record.objects.acreate(label=label, number=number),
                lambda: Record.objects.create(label=label, number=number),
            )
            self.model[row.pk] = (label, number)

        @rule(mode=modes, label=labels, number=numbers)
        def update(self, mode, label, number):
            self.steps.append(f"{mode} filter(label={label!r}).update(number={number})")
            count = _run(
                mode,
                lambda: Record.objects.filter(label=label).aupdate(number=number),
                lambda: Record.objects.filter(label=label).update(number=number),
            )
            self.agree("update count", len(self.matching(label)), count)
            for pk in self.matching(label):
                self.model[pk] = (label, number)

        @rule(mode=modes, label=labels)
        def delete(self, mode, label):
            self.steps.append(f"{mode} filter(label={label!r}).delete()")
            count, _ = _run(
                mode,
                lambda: Record.objects.filter(label=label).adelete(),
                lambda: Record.objects.filter(label=label).delete(),
            )
            self.agree("delete count", len(self.matching(label)), count)
            for pk in self.matching(label):
                del self.model[pk]

        @rule(mode=modes, label=labels, number=numbers, update=st.booleans())
        def get_or_update_or_create(self, mode, label, number, update):
            name = "update_or_create" if update else "get_or_create"
            self.steps.append(f"{mode} {name}(label={label!r}, defaults={{'number': {number}}})")
            before = self.matching(label)
            try:
                row, created = _run(
                    mode,
                    lambda: getattr(Record.objects, f"a{name}")(
                        label=label, defaults={"number": number}
                    ),
                    lambda: getattr(Record.objects, name)(label=label, defaults={"number": number}),
                )
            except Record.MultipleObjectsReturned:
                self.agree(f"{name} raised MultipleObjectsReturned", True, len(before) > 1)
                return
            self.agree(f"{name} created", not before, created)
            if created or update:
                self.model[row.pk] = (label, number)

        @rule(mode=modes, values=st.lists(st.tuples(labels, numbers), max_size=4),
              batch_size=st.none() | st.integers(1, 3))  # fmt: skip
        def bulk_create(self, mode, values, batch_size):
            self.steps.append(f"{mode} bulk_create({values!r}, batch_size={batch_size})")
            rows = _run(
                mode,
                lambda: Record.objects.abulk_create(
                    [Record(label=lb, number=n) for lb, n in values], batch_size=batch_size
                ),
                lambda: Record.objects.bulk_create(
                    [Record(label=lb, number=n) for lb, n in values], batch_size=batch_size
                ),
            )
            for row in rows:
                self.model[row.pk] = (row.label, row.number)

        @invariant()
        def table_matches_the_model(self):
            self.agree("acount()", len(self.model), _run("async", Record.objects.acount, int))
            self.agree("count()", len(self.model), Record.objects.count())
            rows = {row.pk: (row.label, row.number) for row in Record.objects.all()}
            self.agree("rows", self.model, rows)

    return InterleavedWrites


@pytest.mark.conformance(feature="queryset.interleaved-writes")
def test_interleaved_async_and_sync_writes_agree_with_a_model_of_the_table(conformance, db):
    machine = machine_for(conformance)
    run_state_machine_as_test(machine, settings=settings(settings.default, stateful_step_count=15))
    conformance.record(
        Outcome(
            Verdict.NATIVE,
            probe.evidence(
                "create / update / delete / get_or_create / update_or_create / bulk_create, "
                "each async or sync, in any order",
                probe.observed("value", "every step agreed with the model"),
            ),
        )
    )
