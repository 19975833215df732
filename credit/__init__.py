"""BNPL credit checks.

The numeric core — ``engine`` and ``compiler`` (NumPy), ``ml`` (SciPy, joblib), ``similarity``
(usearch) — costs ~0.9 s of CPU to import. Services and the admin import it inside the
functions that decide, score or compile, not at module level: the web, worker, beat and
command processes that never check credit (most of them) do not load it, and a web process
that can check (a rule set is live) loads it in gunicorn's ``post_worker_init`` warm-up
(``credit.services.engine_warm_up``), before its first request.
"""
