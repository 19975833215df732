"""What a process of the product loads when it starts: not the libraries of one feature.

About a hundred processes of the product start in a run of the suite, and more in production
(gunicorn workers, Celery workers and beat, commands). NumPy, SciPy and usearch (credit's
numeric core) and pyarrow/fsspec (Parquet exports) cost ~1.5 s of CPU to import together;
they load where a credit check, an anomaly scan or an export runs (``credit/__init__.py``).

What a process loads it keeps, and the garbage collector is told so once Django is set up
(``portal/loading.py``): a third of each start went to collections walking it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from portal.loading import DEFAULT_THRESHOLDS, LOADING_THRESHOLDS
from tests.processes import ROOT, child_env

STARTUP = """
import gc
import json
import sys

import django

django.setup()
frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
from django.contrib import admin
from django.urls import get_resolver

from portal.celery import app

get_resolver().url_patterns  # the web process: every URLconf, view and serializer
app.loader.import_default_modules()  # the worker: every task module
admin.autodiscover()
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
print(json.dumps({"heavy": heavy, "frozen": frozen, "thresholds": thresholds}))
"""
HEAVY = ("numpy", "scipy", "sklearn", "joblib", "usearch", "pyarrow", "fsspec", "pandas")


@pytest.fixture(scope="module")
def started() -> dict:
    """What a process that loaded the web and the worker's modules reports."""
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
    return json.loads(done.stdout)


def test_web_and_worker_processes_start_without_the_numeric_and_parquet_libraries(started):
    assert started["heavy"] == []


def test_what_a_process_loaded_is_frozen_once_django_is_set_up_and_collections_are_back_to_normal(started):
    # Django, DRF, Celery and the project: well over 100,000 objects the collector tracks.
    assert started["frozen"] > 100_000
    assert tuple(started["thresholds"]) == DEFAULT_THRESHOLDS != LOADING_THRESHOLDS
