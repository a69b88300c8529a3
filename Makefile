# kubevirt-velero-plugin (Swift) — see README.md.
SHELL := /bin/bash
export TMPDIR := $(CURDIR)/.tmp
SWIFT ?= swift
# One test at a time: the end-to-end tests launch real plugin processes and bound how long they may take; run in
# parallel on a two-core CI machine they starve each other (a test's first request arrived after 10 s). About a
# minute instead of fifteen seconds. `make test SWIFT_TEST_FLAGS=` runs them in parallel.
SWIFT_TEST_FLAGS ?= --no-parallel

.PHONY: all deps deps-test build test demo check-generated check-containerfile go-plugin-host proto clean dist verify-dist bench bench-actions fuzz stress-tsan stress-asan

all: build

$(TMPDIR):
	@mkdir -p $(TMPDIR)

## Installs the Debian packages the build needs when any is missing (as root; otherwise prints the command).
deps:
	@tools/install-deps.sh build

## The same for everything `make test` runs (adds Go and the go-plugin/grpc-go sources).
deps-test:
	@tools/install-deps.sh test

build: deps | $(TMPDIR)
	$(SWIFT) build

## Run every test: generated code is current, the debug build (all executables the end-to-end tests launch), the
## real hashicorp/go-plugin + grpc-go host against both plugin binaries, then swift test.
test: deps-test check-generated check-containerfile build go-plugin-host | $(TMPDIR)
	.build/debug/kubevirt-fuzz Tests/Fuzz/corpus
	$(SWIFT) test $(SWIFT_TEST_FLAGS)

go-plugin-host: build | $(TMPDIR)
	Tests/GoPluginHost/run.sh .build/debug

DEMO_BACKUP := $(TMPDIR)/demo-backup

## The main job (see README): no cluster needed. Back up the demo namespace of examples/ through the real plugin
## (served by a local API), then restore it into another namespace with new MACs and firmware UUIDs.
demo: build | $(TMPDIR)
	@rm -rf $(DEMO_BACKUP)
	@echo "== velero-plugin-host plugins: what Velero would register"
	.build/debug/velero-plugin-host plugins .build/debug/kubevirt-velero-plugin
	@echo; echo "== Backup of namespace demo (examples/demo-namespace)"
	.build/debug/velero-plugin-host backup --manifests examples/demo-namespace --include-namespaces demo --output $(DEMO_BACKUP)
	@echo; echo "== Restore into demo-restored with new MAC addresses and firmware UUIDs, VMs halted"
	.build/debug/velero-plugin-host restore --from $(DEMO_BACKUP) --namespace-mappings demo:demo-restored \
		--clear-mac-address --generate-new-firmware-uuid --run-strategy Halted

## Performance (issue #7, docs/performance.md): release build, then every measurement through the shipped static
## binary, checked against the targets (exit 1 when one is missed). About 3 minutes after the builds.
bench: dist | $(TMPDIR)
	$(SWIFT) build -c release --product velero-plugin-host
	$(SWIFT) build -c release --product kit-test-plugin
	set -o pipefail; status=0; .build/release/velero-plugin-host bench-suite --plugin dist/kubevirt-velero-plugin \
		--floor-plugin .build/release/kit-test-plugin | tee $(TMPDIR)/bench.md || status=$$?; \
		$(MAKE) bench-actions && exit $$status

## In-process benchmarks of every action's Execute (wall clock, allocations per call): Benchmarks/ActionBenchmarks.
bench-actions: | $(TMPDIR)
	set -o pipefail; $(SWIFT) package --disable-sandbox benchmark --target ActionBenchmarks --no-progress \
		| tee $(TMPDIR)/bench-actions.txt

## Fuzzing (issue #8, docs/reliability.md): libFuzzer + AddressSanitizer over the protobuf decoders, the JSON
## parser/editor, every action and the kubeconfig parser, seeded from Tests/Fuzz/corpus. FUZZ_SECONDS per run.
FUZZ_SECONDS ?= 120
fuzz: | $(TMPDIR)
	$(SWIFT) build --product kubevirt-fuzz --scratch-path .build-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
	@mkdir -p $(TMPDIR)/fuzz-corpus
	.build-fuzz/debug/kubevirt-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
		-artifact_prefix=$(TMPDIR)/fuzz-crash- -print_final_stats=1 $(TMPDIR)/fuzz-corpus Tests/Fuzz/corpus

## Sanitizers (issue #8): the plugin built with ThreadSanitizer or AddressSanitizer, then 16 callers × 10,000
## Execute calls over every action through its socket, Shutdown, and a scan of its stderr for sanitizer reports.
STRESS_CALLS ?= 10000
stress-tsan stress-asan: stress-%: build | $(TMPDIR)
	$(SWIFT) build --product kubevirt-velero-plugin --scratch-path .build-$* -Xswiftc -sanitize=$(subst tsan,thread,$(subst asan,address,$*))
	.build/debug/velero-plugin-host stress --plugin .build-$*/debug/kubevirt-velero-plugin --calls-per-caller $(STRESS_CALLS)

check-generated:
	proto/generate.sh --check

proto:
	proto/generate.sh

clean:
	rm -rf .build .tmp dist

## Shipping build: one static file, dist/kubevirt-velero-plugin (+ .sha256); see plugin-image/.
dist: | $(TMPDIR)
	plugin-image/build-dist.sh

## Checks the shipped file: DT_NEEDED, GLIBC versions, and a run in a glibc-only chroot as an arbitrary UID.
verify-dist: dist
	plugin-image/verify.sh dist/kubevirt-velero-plugin

check-containerfile:
	plugin-image/check-containerfile.sh
