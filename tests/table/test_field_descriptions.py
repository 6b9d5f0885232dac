"""Every field carries a description where it is declared (``FieldDef.description``):
``tcpscope fields --list-fields`` prints it and docs/fields.md is generated from it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcpscope.cli.main import main
from tcpscope.views.columns import full_registry

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_has_a_description() -> None:
    fields = list(full_registry().values())
    assert len(fields) > 200
    lacking = [f.name for f in fields if not f.description.strip()]
    assert lacking == []
    unfinished = [f.name for f in fields if not f.description.endswith((".", ")"))]
    assert unfinished == []  # one sentence each


def test_list_fields_prints_name_type_and_description(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["fields", "--list-fields"])
    assert stop.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    reg = full_registry()
    assert [line.split("\t")[0] for line in lines] == list(reg)
    assert "tcp.srcport\tFT_UINT16\tThe TCP source port." in lines
    assert all(line.split("\t")[2] == reg[line.split("\t")[0]].description for line in lines)


def test_help_does_not_load_the_registry() -> None:
    code = ("import sys\nfrom tcpscope.cli.main import main\ntry:\n    main(['fields', '--help'])\n"
            "except SystemExit:\n    pass\nprint('tcpscope.filter.registry' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.decode().splitlines()[-1] == "False"


def test_docs_fields_md_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("make_fields", ROOT / "docs" / "make_fields.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "fields.md").read_text() == module.fields_markdown(), \
        "docs/fields.md is stale: run python docs/make_fields.py"
