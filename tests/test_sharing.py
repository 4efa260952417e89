"""The evidence's repeated parts are written once, and read back as they were."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.report.sharing import REF, share, unshare

# JSON values as results files hold them; short alphabets make repeats likely.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text("ab\u202e<", max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "checks", "notes"]), inner, max_size=3)
    ),
    max_leaves=30,
)


@given(JSON)
def test_what_is_shared_reads_back_as_it_was(value):
    shared = json.loads(json.dumps(share(value)))  # as the page gets it
    assert unshare(shared) == value


@given(JSON)
def test_a_definition_refers_only_to_earlier_ones(value):
    shared = share(value)

    def refs(node):
        if isinstance(node, list):
            return [r for item in node for r in refs(item)]
        if isinstance(node, dict):
            if set(node) == {REF}:
                return [node[REF]]
            return [r for item in node.values() for r in refs(item)]
        return []

    for index, body in enumerate(shared["defs"]):
        assert all(ref < index for ref in refs(body))


def test_a_check_repeated_in_every_cell_is_written_once():
    check = {"id": "test_surface.py::test_x[queryset.aget]", "snippet": "await X.aget(pk=1)"}
    cells = {f"cell-{n}": {"notes": [], "checks": [check]} for n in range(22)}
    shared = share(cells)
    assert json.dumps(shared).count("test_surface.py::test_x") == 1
    assert unshare(shared) == cells


def test_a_key_that_would_read_as_a_reference_is_refused():
    with pytest.raises(ValueError, match=r"\$ref"):
        share({"notes": [{REF: 0}]})
