"""How many processes the suite runs in (``tests/workers.py``, used by ``scripts/test.sh``)."""

from tests.workers import default_workers


def test_one_test_process_more_than_the_cpus_while_the_redis_databases_last():
    assert default_workers("redis://127.0.0.1:6379/2", cpus=2) == 3
    assert default_workers("redis://127.0.0.1:6379/9", cpus=2) == 3  # databases 9-14 for three
    assert default_workers("redis://127.0.0.1:6379/9", cpus=8) == 3
    assert default_workers("redis://127.0.0.1:6379/12", cpus=2) == 2
    assert default_workers("redis://127.0.0.1:6379/15", cpus=2) == 1  # no xdist at all
    assert default_workers("", cpus=1) == 2
