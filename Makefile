# The developer's commands. Two matter on day one:
#
#   make run    migrate, load the demo and serve it on http://127.0.0.1:8080/
#   make test   run every test, against real PostgreSQL and stripe-mock
#
# Both find a PostgreSQL server with devdb (cmd/devdb): DATABASE_URL's when
# one answers there, else a private cluster in .pgdata started with the
# PostgreSQL server binaries installed here (make db-stop stops it).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

GO ?= go
GOBIN := $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)

# stripe-mock answers the Stripe API locally for the donation tests.
STRIPE_MOCK_VERSION := v0.203.0
STRIPE_MOCK_HOST := 127.0.0.1
STRIPE_MOCK_PORT := 12111
STRIPE_MOCK_HTTPS_PORT := 12112
STRIPE_MOCK := $(or $(shell command -v stripe-mock),$(GOBIN)/stripe-mock)
STRIPE_MOCK_URL := http://$(STRIPE_MOCK_HOST):$(STRIPE_MOCK_PORT)

# Extra flags for go test, e.g. make test TESTFLAGS='-run TestSign -v'.
TESTFLAGS ?=

# The fuzz targets that guard the request edge, as package:Target. make test
# runs each for FUZZTIME once the tests pass (FUZZ_TARGETS= skips them); make
# fuzz runs them alone, for longer: make fuzz FUZZTIME=10m. New inputs are not
# minimised (FUZZFLAGS): the whole-server target's coverage moves with the
# server's own goroutines, so it would spend its time minimising, not fuzzing.
FUZZ_TARGETS := \
	./internal/http/kit:FuzzDecodeJSON \
	./internal/http/kit:FuzzParseForm \
	./internal/http/kit:FuzzRejectUnreadable \
	./internal/markdown:FuzzRender \
	./internal/petition:FuzzSignInputValidate \
	./internal/donation:FuzzDonateInputValidate \
	./internal/stripe:FuzzVerifyEvent \
	./internal/http:FuzzPublicEdge
FUZZTIME ?= 5s
FUZZFLAGS ?= -fuzzminimizetime 0

# The environment of every test run: a database found by devdb, stripe-mock.
TEST_ENV = url=$$(bin/devdb -url "$${TEST_DATABASE_URL:-}") && \
	export DATABASE_URL="$$url" TEST_DATABASE_URL="$$url" STRIPE_MOCK_URL=$(STRIPE_MOCK_URL)

# Runs each of FUZZ_TARGETS for FUZZTIME, one go test each (-fuzz takes one
# target), and stops at the first that fails.
FUZZ_RUN = for target in $(FUZZ_TARGETS); do \
		echo "fuzz: $${target\#\#*:} in $${target%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${target\#\#*:}\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) "$${target%%:*}" || exit 1; \
	done

.PHONY: help run test fuzz build lint bench bench-go db-stop devdb stripe-mock stripe-mock-stop clean

help:
	@echo "make run               migrate, load the demo and serve it (HTTP_ADDR, default 127.0.0.1:8080)"
	@echo "make test              run every test (TESTFLAGS='-run X -v' to narrow), then each fuzz target for FUZZTIME (5s)"
	@echo "make fuzz              run each fuzz target for FUZZTIME, e.g. make fuzz FUZZTIME=10m"
	@echo "make build             build bin/advocacy"
	@echo "make lint              gofmt and go vet"
	@echo "make bench             run the load benchmark suite (about 5 minutes)"
	@echo "make bench-go          run the Go micro-benchmarks"
	@echo "make db-stop           stop the private PostgreSQL cluster in .pgdata, if one runs"
	@echo "make stripe-mock-stop  stop the stripe-mock that make test started"

build:
	$(GO) build -o bin/advocacy ./cmd/advocacy

devdb:
	@$(GO) build -o bin/devdb ./cmd/devdb

# serve migrates by itself; seed demo is idempotent, so run is safe to repeat.
run: build devdb
	@DATABASE_URL=$$(bin/devdb) && export DATABASE_URL && \
	bin/advocacy seed demo && \
	echo "serving on http://$${HTTP_ADDR:-127.0.0.1:8080}/ (Ctrl-C stops it; make db-stop stops a private database)" && \
	exec bin/advocacy serve

test: devdb stripe-mock
	@$(TEST_ENV) && \
	if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
		echo "note: no chromium found; the browser tests need it (Debian/Ubuntu: apt-get install chromium)"; \
	fi && \
	$(GO) test -race -count=1 $(TESTFLAGS) ./... && \
	$(FUZZ_RUN)

# The fuzz targets alone, for as long as FUZZTIME says.
fuzz: devdb stripe-mock
	@$(TEST_ENV) && $(FUZZ_RUN)

lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need formatting (gofmt -w .):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# The load benchmark suite: real servers and PostgreSQL on this machine, a
# pgbench baseline in the same run, one results table (also written to
# bench-results/). Pass flags with BENCH_FLAGS, e.g.
# make bench BENCH_FLAGS="-duration 10s -signatures 1000000".
bench: devdb
	@DATABASE_URL=$$(bin/devdb) && export DATABASE_URL && \
	$(GO) run ./cmd/benchsuite $(BENCH_FLAGS)

# The Go micro-benchmarks of the hot functions, for benchstat.
bench-go: devdb
	@DATABASE_URL=$$(bin/devdb) && export DATABASE_URL && \
	$(GO) test -run '^$$' -bench . -benchmem ./internal/petition ./internal/markdown ./internal/http/site ./internal/http/api

db-stop: devdb
	@bin/devdb stop

# Starts stripe-mock in the background unless something answers on its port
# already, installing it first when missing. It keeps running for the next
# make test; make stripe-mock-stop stops it.
stripe-mock:
	@if (exec 3<>/dev/tcp/$(STRIPE_MOCK_HOST)/$(STRIPE_MOCK_PORT)) 2>/dev/null; then exit 0; fi; \
	if [ ! -x "$(STRIPE_MOCK)" ]; then \
		echo "installing stripe-mock $(STRIPE_MOCK_VERSION)"; \
		$(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION); \
	fi; \
	mkdir -p tmp; \
	nohup "$(STRIPE_MOCK)" -http-addr $(STRIPE_MOCK_HOST):$(STRIPE_MOCK_PORT) \
		-https-addr $(STRIPE_MOCK_HOST):$(STRIPE_MOCK_HTTPS_PORT) </dev/null >tmp/stripe-mock.log 2>&1 & \
	echo $$! >tmp/stripe-mock.pid; \
	for _ in $$(seq 100); do \
		if (exec 3<>/dev/tcp/$(STRIPE_MOCK_HOST)/$(STRIPE_MOCK_PORT)) 2>/dev/null; then \
			echo "stripe-mock: listening on $(STRIPE_MOCK_URL) (log: tmp/stripe-mock.log)"; exit 0; \
		fi; \
		kill -0 "$$(cat tmp/stripe-mock.pid)" 2>/dev/null || break; \
		sleep 0.1; \
	done; \
	echo "stripe-mock did not start; tmp/stripe-mock.log says:"; cat tmp/stripe-mock.log; exit 1

stripe-mock-stop:
	@if [ -f tmp/stripe-mock.pid ]; then \
		kill "$$(cat tmp/stripe-mock.pid)" 2>/dev/null || true; rm -f tmp/stripe-mock.pid; echo "stripe-mock stopped"; \
	else \
		echo "no stripe-mock started by make runs"; \
	fi

clean:
	rm -rf bin tmp
