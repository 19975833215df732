"""A process of the product loads, then keeps what it loaded: the garbage collector is told so.

Every web, worker and command process loads ~150,000 objects that live as long as it does:
modules, classes, models, serializers, admin pages, Celery tasks. Left at its defaults,
CPython's collector walks all of them in each full collection: several times while they load,
on every full collection after, and once more at exit. A process that loads the web's and the
worker's modules and exits took 1.5 s of CPU, 1.0 s with this (``tests/test_process_start.py``
checks it is in place); a ``manage.py`` command in the test suite, 2.0 → 1.2 s (median).

So :func:`loading_begins` (``portal/__init__.py``, the first module of the product any process
imports) makes collections rare while the process loads, and :func:`loading_ends` (the last
app's ``ready()``, once Django is set up) moves what was loaded to the collector's permanent
generation (``gc.freeze()``) and puts the default thresholds back. The Python documentation
advises the same for servers that fork (gunicorn's workers, Celery's prefork pool): a child's
collections then leave the parent's objects, and the memory pages they share, alone. No full
collection comes first: of the ~148,000 objects frozen, 23 were garbage when measured.

A gunicorn worker freezes once more after its warm-up (``post_worker_init`` in
``portal/gunicorn_conf.py``). A process that imports the product and never sets Django up (a
gunicorn master, a script) keeps the rarer collections: cycles are still collected, only later.
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLDS = gc.get_threshold()
# A young collection every 10,000 net allocations instead of 700 while the process loads.
LOADING_THRESHOLDS = (10_000, 10, 10)


def loading_begins() -> None:
    gc.set_threshold(*LOADING_THRESHOLDS)


def loading_ends() -> None:
    gc.freeze()
    gc.set_threshold(*DEFAULT_THRESHOLDS)
