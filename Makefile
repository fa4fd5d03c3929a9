# Benchmarks. (The full Makefile lives on another branch; merge this
# target into it, replacing its placeholder.)
.PHONY: bench

# The load benchmark suite: real servers and PostgreSQL on this machine,
# one results table, files in bench-results/. Pass flags with BENCH_FLAGS,
# e.g. make bench BENCH_FLAGS="-duration 10s -signatures 1000000".
bench:
	go run ./cmd/benchsuite $(BENCH_FLAGS)
