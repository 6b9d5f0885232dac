"""Shared fixtures: where the committed captures and golden files are, and live tshark."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "tests" / "golden" / "captures"
GOLDEN = ROOT / "tests" / "golden" / "expected"


def tshark_path() -> str | None:
    return shutil.which("tshark")


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process in UTC, as tshark is run (``frame.time`` and the tree's Arrival Time
    are local times), then back."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def tshark() -> str:
    path = tshark_path()
    if path is None:
        pytest.skip("tshark is not installed")
    return path


@pytest.fixture(scope="session")
def tshark_version(tshark: str) -> str:
    """The first line of the installed tshark's ``--version``, asked once: the golden files
    record the version that wrote them, and each suite checks its files against this."""
    from golden_io import tshark_version as ask

    return ask(tshark)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (--dist loadgroup)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share one value of a module-scoped parametrized fixture (the ``live`` tshark
    run of tests/golden/test_every_field.py) form one xdist group: under ``--dist
    loadgroup`` they run on one worker, so the fixture runs once, not once per worker."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        defs = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
        for name, value in callspec.params.items():
            if name in defs and defs[name][-1].scope == "module":
                item.add_marker(pytest.mark.xdist_group(f"{item.nodeid.split('::')[0]}:{name}={value}"))


# The byte builders of the crafted captures (tests/golden/make_captures/craft.py) serve the
# unit tests too.
sys.path.insert(0, str(ROOT / "tests" / "golden" / "make_captures"))
# and the golden tests' helpers (fieldsets, golden_io, compare, analysis_fields)
sys.path.insert(0, str(ROOT / "tests" / "golden"))
# and the packet list's declared differences (list_declared), whose reasons other suites cite
sys.path.insert(0, str(ROOT / "tests" / "views"))


Decode = Callable[..., list[tuple[str, ...]]]


@pytest.fixture
def decode(tmp_path: Path) -> Decode:
    """``decode(frames, *fields, linktype=1)``: tcpscope's ``-T fields`` cells of each frame.

    The frames (bytes, or ``craft.Frame`` for snaplen-cut ones) are written as a pcap
    and read back through the reader, the dissectors and the field registry.
    """
    from craft import Frame, pcap_bytes
    from craft import frames as to_frames

    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.filter.registry import registry
    from tcpscope.views.fields import FieldsOptions, field_lines

    def run(frames: list[bytes | Frame], *fields: str, linktype: int = 1) -> list[tuple[str, ...]]:
        recs = [f for f in frames if isinstance(f, Frame)] if all(isinstance(f, Frame) for f in frames) \
            else to_frames([f for f in frames if isinstance(f, bytes)])
        p = tmp_path / "decode.pcap"
        p.write_bytes(pcap_bytes(recs, linktype))
        table = dissect(read_records(p))
        lines = field_lines(table, registry().require(fields), FieldsOptions())
        return [tuple(line.split("\t")) for line in lines]

    return run
