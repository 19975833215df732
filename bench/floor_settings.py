"""The product's settings with the same-work floor's URLs (``bench.floor``): benchmark only."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor"
