"""``cckpi bench``: throughput, latency, recompute speed and memory, measured on real parts
(:mod:`cckpi.bench.runs` runs them all)."""
