# Everyday commands. `make run` starts the whole offline stack; `make test`
# is the test command CI runs.
GO ?= go

.PHONY: run build image test e2e soak lint bench bench-load conform fuzz

ARGS ?=
run: ## build bin/mockdingtalk, then start the fake robot + SNS API + inbox on 127.0.0.1:8090 (make run ARGS='-era cn')
	@echo "make run: building bin/mockdingtalk (a first build compiles every dependency and takes a minute or two) ..."
	@$(MAKE) --no-print-directory build
	@echo "make run: starting bin/mockdingtalk $(ARGS)"
	bin/mockdingtalk $(ARGS)

build: ## static binaries in bin/: mockdingtalk, stamped with its VCS revision (mockdingtalk version), and mockdingtalk-conform, which `mockdingtalk conform` runs
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=true -o bin/ ./cmd/mockdingtalk ./cmd/mockdingtalk-conform

image: ## the container image mockdingtalk:<git describe> and :latest, with podman or docker (Containerfile)
	scripts/image.sh

# -p 4 on 2 cores: the conformance selftests spend ~30 s waiting on real webhook
# timeouts, and other packages run meanwhile (warm: ~35 s instead of ~50 s).
test: ## the fast specs (every package but e2e/), under the race detector (needs a C compiler); make lint runs vet
	$(GO) test -race -count=1 -vet=off -p 4 $$($(GO) list ./... | grep -v '/e2e/')

e2e: ## the slow specs under e2e/: Chromium, the container, examples in other languages, the doc snippets; each skips with a message when its tool is missing
	$(GO) test -race -count=1 ./e2e/...

soak: ## the binary under every abusive shape (idle and slow connections, huge requests, streams, sessions, logins, jobs, cross-site, journal memory); fds, goroutines and RSS back to baseline (part of make e2e)
	$(GO) test -count=1 -v ./e2e/soak/ -args -ginkgo.v

lint: ## formatting and vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz: ## every fuzz target briefly (FUZZTIME=200000x make fuzz for longer)
	scripts/fuzz-smoke.sh

bench: ## Go benchmarks (compare runs with benchstat)
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# wrk is the load generator; installed from Debian when missing (as root, or with sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

bench-load: ## load benchmark with wrk: the binary vs a bare net/http server, SNS round trip, 1M-send soak, abuse (docs/benchmarks.md)
	@command -v wrk >/dev/null || { echo "bench-load: installing wrk"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(GO) run ./internal/loadbench $(BENCH_LOAD_ARGS)

TARGET ?=
conform: ## the conformance suite against TARGET (e.g. make conform TARGET=http://10.0.0.5:8080); in-process when empty
	SNS_TARGET_URL=$(TARGET) $(GO) test -v -count=1 ./contracts/conformance/ -args \
		-ginkgo.label-filter='!selftest' -ginkgo.junit-report=$(CURDIR)/conformance.xml -ginkgo.v
