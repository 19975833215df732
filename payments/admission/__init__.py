"""Admission control in Redis: concurrency windows (leases) and throughput limits (GCRA)."""
