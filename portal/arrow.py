"""pyarrow (Parquet exports and imports), always imported after SciPy.

pyarrow was seen to crash in ``Table.to_pylist()`` in a process that imported SciPy after it.
Both load lazily — SciPy with credit's numeric core (``credit/__init__.py``), pyarrow with the
exports and the budgets' Parquet files — and a worker process may need both, in either order:
import pyarrow through this module and the order is always the one that works.
"""

from __future__ import annotations

# isort: off
import scipy.special  # noqa: F401  (before pyarrow: see above)
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
# isort: on

__all__ = ["pa", "pq"]
