# kubevirt-velero-plugin (Swift) — see README.md.
SHELL := /bin/bash
export TMPDIR := $(CURDIR)/.tmp
SWIFT ?= swift
# Swift Testing runs tests in parallel by itself.
SWIFT_TEST_FLAGS ?=

.PHONY: all build test demo check-generated check-containerfile go-plugin-host proto clean dist verify-dist

all: build

$(TMPDIR):
	@mkdir -p $(TMPDIR)

build: | $(TMPDIR)
	$(SWIFT) build

## Run every test: generated code is current, the debug build (all executables the end-to-end tests launch), the
## real hashicorp/go-plugin + grpc-go host against both plugin binaries, then swift test.
test: check-generated check-containerfile build go-plugin-host | $(TMPDIR)
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
