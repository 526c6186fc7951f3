"""The command line starts light: building every command's parser imports no analysis stack."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_parser_imports_neither_scipy_nor_pyarrow() -> None:
    # every 'dorsi' call (even --help) registers every command; the analysis stack (scipy alone
    # took 0.7 s to import) is imported by the command that runs
    probe = ("import sys; from dorsi.cli import build_parser; build_parser(); "
             "print(sorted(m for m in ('scipy', 'pyarrow', 'matplotlib', 'bleak') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_input_kinds_offered_are_the_ones_read() -> None:
    from dorsi.commands.inputs import INPUT_KINDS as offered
    from dorsi.export.session import INPUT_KINDS as read

    assert offered == read
