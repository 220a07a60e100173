"""Throughput and memory benchmarks with their targets (`python -m benchmarks`, `make bench`)."""
