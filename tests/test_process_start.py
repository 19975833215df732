"""What a process of the product loads when it starts: not the libraries of one feature.

About a hundred processes of the product start in a run of the suite, and more in production
(gunicorn workers, Celery workers and beat, commands). NumPy, SciPy and usearch (credit's
numeric core) and pyarrow/fsspec (Parquet exports) cost ~1.5 s of CPU to import together;
they load where a credit check, an anomaly scan or an export runs (``credit/__init__.py``).
"""

from __future__ import annotations

import subprocess
import sys

from tests.processes import ROOT, child_env

STARTUP = """
import sys

import django

django.setup()
from django.contrib import admin
from django.urls import get_resolver

from portal.celery import app

get_resolver().url_patterns  # the web process: every URLconf, view and serializer
app.loader.import_default_modules()  # the worker: every task module
admin.autodiscover()
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))))
"""
HEAVY = ("numpy", "scipy", "sklearn", "joblib", "usearch", "pyarrow", "fsspec", "pandas")


def test_web_and_worker_processes_start_without_the_numeric_and_parquet_libraries():
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{STARTUP}"],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="portal.settings"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"loaded at start: {done.stdout.strip()}"
