# The developer's commands. Two matter on day one:
#
#   make run    migrate, load the demo and serve it on http://127.0.0.1:8080/,
#               with the emails it sends shown by Mailpit on http://127.0.0.1:8025/
#   make test   run every test, against real PostgreSQL, stripe-mock and Mailpit
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

# Mailpit keeps every email sent to it and shows them, on the web and through
# an API: make run sends there, and the email tests read back what they sent.
MAILPIT_VERSION := v1.33.1
MAILPIT_HOST := 127.0.0.1
MAILPIT_SMTP_PORT := 1025
MAILPIT_HTTP_PORT := 8025
MAILPIT := $(or $(shell command -v mailpit),$(GOBIN)/mailpit)
MAILPIT_URL := http://$(MAILPIT_HOST):$(MAILPIT_HTTP_PORT)
MAILPIT_SMTP := $(MAILPIT_HOST):$(MAILPIT_SMTP_PORT)

# Extra flags for go test, e.g. make test TESTFLAGS='-run TestSign -v'.
TESTFLAGS ?=

# The fuzz targets that guard the request edge, as package:Target. make test
# runs each for FUZZTIME once the tests pass (FUZZ_TARGETS= skips them); make
# fuzz runs them alone, for longer: make fuzz FUZZTIME=1000000x. FUZZTIME is
# a count of inputs, not a duration: on Go 1.26 a duration can end a clean run
# with a spurious "context deadline exceeded" (go.dev/issue/75804, fixed in
# Go 1.27), and a count never races a clock. New inputs are not
# minimised (FUZZFLAGS): the whole-server target's coverage moves with the
# server's own goroutines, so it would spend its time minimising, not fuzzing.
FUZZ_TARGETS := \
	./internal/http/kit:FuzzDecodeJSON \
	./internal/http/kit:FuzzParseForm \
	./internal/http/kit:FuzzRejectUnreadable \
	./internal/markdown:FuzzRender \
	./internal/petition:FuzzSignInputValidate \
	./internal/petition:FuzzParseToken \
	./internal/donation:FuzzDonateInputValidate \
	./internal/stripe:FuzzVerifyEvent \
	./internal/http:FuzzPublicEdge
FUZZTIME ?= 3000x
FUZZFLAGS ?= -fuzzminimizetime 0

# The environment of every test run: a database found by devdb, stripe-mock,
# Mailpit.
TEST_ENV = url=$$(bin/devdb -url "$${TEST_DATABASE_URL:-}") && \
	export DATABASE_URL="$$url" TEST_DATABASE_URL="$$url" STRIPE_MOCK_URL=$(STRIPE_MOCK_URL) \
		MAILPIT_URL=$(MAILPIT_URL) MAILPIT_SMTP=$(MAILPIT_SMTP)

# Runs each of FUZZ_TARGETS for FUZZTIME, one go test each (-fuzz takes one
# target), and stops at the first that fails.
FUZZ_RUN = for target in $(FUZZ_TARGETS); do \
		echo "fuzz: $${target\#\#*:} in $${target%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${target\#\#*:}\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) "$${target%%:*}" || exit 1; \
	done

.PHONY: help run test fuzz build lint screenshots bench bench-go db-stop devdb stripe-mock stripe-mock-stop mailpit mailpit-stop clean

help:
	@echo "make run               migrate, load the demo and serve it (HTTP_ADDR, default 127.0.0.1:8080); emails go to Mailpit"
	@echo "make test              run every test (TESTFLAGS='-run X -v' to narrow), then each fuzz target for FUZZTIME (3000x: inputs)"
	@echo "make fuzz              run each fuzz target for FUZZTIME, e.g. make fuzz FUZZTIME=1000000x"
	@echo "make build             build bin/advocacy"
	@echo "make lint              gofmt and go vet"
	@echo "make screenshots       redraw the README's screenshots (docs/screenshots/) in headless Chromium"
	@echo "make bench             run the load benchmark suite (about 5 minutes)"
	@echo "make bench-go          run the Go micro-benchmarks"
	@echo "make db-stop           stop the private PostgreSQL cluster in .pgdata, if one runs"
	@echo "make stripe-mock-stop  stop the stripe-mock that make test started"
	@echo "make mailpit           start Mailpit: SMTP on $(MAILPIT_SMTP), the emails on $(MAILPIT_URL)/"
	@echo "make mailpit-stop      stop the Mailpit that make run or make test started"

build:
	$(GO) build -o bin/advocacy ./cmd/advocacy

devdb:
	@$(GO) build -o bin/devdb ./cmd/devdb

# serve migrates by itself; seed demo is idempotent, so run is safe to repeat.
# Unless SMTP_URL (or SMTP_URL_FILE) names a mail server, the emails go to
# Mailpit, which shows them.
run: build devdb $(if $(SMTP_URL)$(SMTP_URL_FILE),,mailpit)
	@DATABASE_URL=$$(bin/devdb) && export DATABASE_URL && \
	if [ -z "$${SMTP_URL:-}$${SMTP_URL_FILE:-}" ]; then \
		export SMTP_URL=smtp://$(MAILPIT_SMTP) MAIL_FROM="$${MAIL_FROM:-advocacy demo <demo@localhost>}" && \
		echo "emails: $(MAILPIT_URL)/ (Mailpit; make mailpit-stop stops it)"; \
	fi && \
	bin/advocacy seed demo && \
	echo "serving on http://$${HTTP_ADDR:-127.0.0.1:8080}/ (Ctrl-C stops it; make db-stop stops a private database)" && \
	exec bin/advocacy serve

test: devdb stripe-mock mailpit
	@$(TEST_ENV) && \
	if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
		echo "note: no chromium found; the browser tests need it (Debian/Ubuntu: apt-get install chromium)"; \
	fi && \
	$(GO) test -race -count=1 $(TESTFLAGS) ./... && \
	$(FUZZ_RUN)

# The fuzz targets alone, for as long as FUZZTIME says.
fuzz: devdb stripe-mock mailpit
	@$(TEST_ENV) && $(FUZZ_RUN)

lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need formatting (gofmt -w .):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# The README's screenshots: the layout test's pages, drawn by headless
# Chromium at a phone's and a laptop's width into docs/screenshots/.
screenshots: devdb stripe-mock mailpit
	@$(TEST_ENV) && \
	$(GO) test -count=1 -run '^TestScreenshots$$' ./internal/e2e/layout -args -screenshots="$(CURDIR)/docs/screenshots" && \
	ls -l docs/screenshots

# The load benchmark suite: real servers and PostgreSQL on this machine, a
# pgbench baseline in the same run, one results table (also written to
# bench-results/). Pass flags with BENCH_FLAGS, e.g.
# make bench BENCH_FLAGS="-duration 10s -signatures 1000000".
bench: devdb mailpit
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

# Starts Mailpit in the background unless it answers on its ports already
# (started by an earlier make, or by docker compose), installing it first
# when missing. It accepts any SMTP login, over plain text too, so that a
# sender that logs in can be tried; it keeps up to 10,000 messages, in a
# temporary database, until make mailpit-stop stops it.
mailpit:
	@up() { (exec 3<>/dev/tcp/$(MAILPIT_HOST)/$$1) 2>/dev/null; }; \
	if up $(MAILPIT_HTTP_PORT) && up $(MAILPIT_SMTP_PORT); then exit 0; fi; \
	for port in $(MAILPIT_HTTP_PORT) $(MAILPIT_SMTP_PORT); do \
		if up $$port; then echo "mailpit: $(MAILPIT_HOST):$$port is taken by something else; free it and retry"; exit 1; fi; \
	done; \
	if [ ! -x "$(MAILPIT)" ]; then \
		echo "installing mailpit $(MAILPIT_VERSION)"; \
		$(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION); \
	fi; \
	mkdir -p tmp; \
	nohup "$(MAILPIT)" --listen $(MAILPIT_HOST):$(MAILPIT_HTTP_PORT) --smtp $(MAILPIT_SMTP) \
		--smtp-auth-accept-any --smtp-auth-allow-insecure --max 10000 \
		--disable-version-check --smtp-disable-rdns </dev/null >tmp/mailpit.log 2>&1 & \
	echo $$! >tmp/mailpit.pid; \
	for _ in $$(seq 100); do \
		if up $(MAILPIT_HTTP_PORT) && up $(MAILPIT_SMTP_PORT); then \
			echo "mailpit: SMTP on $(MAILPIT_SMTP), the emails on $(MAILPIT_URL)/ (log: tmp/mailpit.log)"; exit 0; \
		fi; \
		kill -0 "$$(cat tmp/mailpit.pid)" 2>/dev/null || break; \
		sleep 0.1; \
	done; \
	echo "mailpit did not start; tmp/mailpit.log says:"; cat tmp/mailpit.log; exit 1

mailpit-stop:
	@if [ -f tmp/mailpit.pid ]; then \
		kill "$$(cat tmp/mailpit.pid)" 2>/dev/null || true; rm -f tmp/mailpit.pid; echo "mailpit stopped"; \
	else \
		echo "no mailpit started by make runs"; \
	fi

clean:
	rm -rf bin tmp
