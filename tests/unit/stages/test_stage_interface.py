"""One stage interface: the worker and storage handle both live stages through ``Stage`` alone,
with one signature per method (a house rule: a second order of the same arguments is how
``now_s`` and ``version`` were once swapped)."""

from __future__ import annotations

import inspect

from schemas.sla import SlaSettings
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from streams.stages.stage import PartitionBooks, Stage

METHODS = ("loaded", "restore", "drop", "ingest")


def test_both_stages_are_stages_with_one_signature_per_method() -> None:
    stages: list[Stage] = [ContactStage(SlaSettings(), 1), FcrStage()]  # mypy checks the protocol
    for method in METHODS:
        wanted = inspect.signature(getattr(Stage, method))
        for stage in stages:
            got = inspect.signature(getattr(type(stage), method))
            assert list(got.parameters) == list(wanted.parameters), (type(stage).__name__, method)
            assert [p.kind for p in got.parameters.values()] == [p.kind for p in wanted.parameters.values()]
        assert all(isinstance(stage, PartitionBooks) for stage in stages)


def test_version_and_clock_are_named_at_every_call() -> None:
    """``ingest``'s version and clock are keyword-only: no call can pass them in the wrong order."""
    parameters = inspect.signature(Stage.ingest).parameters
    assert parameters["version"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["now_s"].kind is inspect.Parameter.KEYWORD_ONLY


def test_every_public_method_has_a_docstring() -> None:
    assert ContactStage.ingest.__doc__ and FcrStage.ingest.__doc__ and ContactStage.restore.__doc__
