"""The registry loads the HTTP, TLS and DNS blocks only when one of their fields is named.

Start-up (``bench/startup.py``) is measured there, never here; these tests hold what
makes it: a fresh interpreter that reads TCP/IP fields imports none of the framing
modules, and a registry that loads its blocks late still finds, lists and refuses
exactly what one built whole does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcpscope.analysis.http_fields import HTTP_FIELDS
from tcpscope.analysis.tls_fields import APP_FIELDS
from tcpscope.errors import FieldError
from tcpscope.filter.registry import APP_BLOCK, HTTP_BLOCK, FieldRegistry, LazyFields, registry
from tcpscope.table.schema import FieldDef, FieldType

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = str(ROOT / "examples" / "http-get.pcap")
#: The modules of the lazily loaded blocks and of the framing they bring.
FRAMING = ("tcpscope.analysis.http", "tcpscope.analysis.tls", "tcpscope.dissect.dns")

_PROBE = """
import json, sys
from tcpscope.cli.main import main
code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _framing_modules_after(argv: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True, env=env,
                          check=True)
    answer = json.loads(proc.stdout.splitlines()[-1])
    assert answer["code"] == 0
    return [m for m in answer["modules"] if m.startswith(FRAMING)]


def test_tcp_ip_fields_import_no_framing() -> None:
    argv = ["fields", EXAMPLE, "-e", "frame.number", "-e", "ip.src", "-e", "tcp.flags", "-Y", "tcp.port == 80"]
    assert _framing_modules_after(argv) == []


@pytest.mark.parametrize("name", ["tls.record.content_type", "frame.protocols"])
def test_a_framed_field_loads_its_block(name: str) -> None:
    assert _framing_modules_after(["fields", EXAMPLE, "-e", name]) != []


def _whole() -> list[FieldDef]:
    return [*(f for f in registry().values() if f not in APP_FIELDS and f not in HTTP_FIELDS), *APP_FIELDS,
            *HTTP_FIELDS]


def test_a_lazy_registry_lists_as_a_whole_one() -> None:
    fresh = FieldRegistry([*(f for f in _whole() if f not in APP_FIELDS and f not in HTTP_FIELDS), APP_BLOCK,
                           HTTP_BLOCK])
    assert list(fresh.items()) == [(f.name, f) for f in _whole()]
    assert len(fresh) == len(_whole())


def test_lookups_load_only_the_named_block() -> None:
    fresh = FieldRegistry([*(f for f in _whole() if f not in APP_FIELDS and f not in HTTP_FIELDS), APP_BLOCK,
                           HTTP_BLOCK])
    assert fresh["http.request.method"] is next(f for f in HTTP_FIELDS if f.name == "http.request.method")
    assert "dns.qry.name" in fresh
    assert "http.bogus" not in fresh
    with pytest.raises(FieldError):
        fresh.require(["tcp.port", "tls.bogus"])
    extended = fresh.extended([FieldDef("x.y", FieldType.UINT32, lambda t: None)])  # type: ignore[arg-type,return-value]
    assert list(extended)[-1] == "x.y"
    assert len(extended) == len(fresh) + 1


def test_a_block_field_outside_its_protocols_is_refused() -> None:
    stray = LazyFields("tcpscope.analysis.tls_fields", "APP_FIELDS", frozenset({"tls"}))  # its dns.* fields
    with pytest.raises(ValueError, match="outside"):
        FieldRegistry([stray])["tls.record"]
