# SPDX-License-Identifier: GPL-2.0
#
# Entry points for people and CI. The module itself is described by Kbuild;
# every target sets up what it needs first (toolchain, reference kernel).
#
#   make                 build orion_scsi.ko (KDIR=<tree> for another kernel)
#   make run             boot the VM with the default adapters and show the disks
#   make check           all tests: host cargo tests + VM kselftests (KTAP)
#   make check T=group   one test group (see Documentation/testing.rst)
#   make check FLAVOUR=debug  ... on the KASAN/lockdep/kmemleak kernel
#   make debug-kernel    build the KASAN/lockdep/kmemleak flavour
#   make bench           benchmarks (print figures; not tests): RUNS=N (3) runs per
#                        driver in each of BOOTS=N (1) VM boots, pooled,
#                        BENCH_RUNTIME=S (15) per job; table, out/bench/*.json
#                        and .svg (Documentation/benchmarks.rst)
#   make bench-megasas   orion vs megaraid_sas on QEMU's megasas (figures; MODEL=megasas-gen2)
#   make bench-lsi       orion vs sym53c8xx on QEMU's lsi53c895a (figures)
#   make bench-mptsas    orion vs mptsas (Fusion-MPT) on QEMU's mptsas1068 (figures)
#   make profile         perf profile of orion vs the C driver on one HBA model, in the
#                        guest (ADAPTER=megasas|megasas-gen2|lsi53c895a|mptsas1068)
#   make bench-iscsi     orion's initiator vs iscsi_tcp, LIO RAM LUN in the VM (figures)
#   make fuzz            the SG_IO fuzzer's long mode in the VM (FUZZ=virt|megasas COUNT= SEED=)
#   make lint            rustfmt, clippy, checkpatch, shellcheck: fails on any finding
#   make orionctl-docs   orionctl's man pages and shell completions into out/orionctl-docs

export KDIR
export ORION_CACHE

.PHONY: all module setup kernel debug-kernel run check host-test vm-test bench bench-megasas bench-lsi bench-mptsas bench-iscsi profile fuzz lint orionctl-docs clean

all: module

module:
	@bash scripts/build-module.sh >/dev/null

setup:
	@bash scripts/setup-toolchain.sh

kernel: setup
	@bash scripts/build-kernel.sh ref

debug-kernel: setup
	@bash scripts/build-kernel.sh debug

run:
	@bash scripts/run-main.sh

check:
	@ORION_FLAVOUR=$(FLAVOUR) bash tests/run-all.sh $(T)

host-test:
	@bash tests/run-all.sh host

bench:
	@bash scripts/bench.sh

bench-megasas:
	@bash scripts/bench-hba.sh $(or $(MODEL),megasas)

bench-lsi:
	@bash scripts/bench-hba.sh lsi53c895a

bench-mptsas:
	@bash scripts/bench-hba.sh mptsas1068

bench-iscsi:
	@bash scripts/bench-hba.sh iscsi

profile:
	@bash scripts/profile-hba.sh $(or $(ADAPTER),megasas)

fuzz:
	@COUNT=$(COUNT) SEED=$(SEED) bash scripts/sg-fuzz-vm.sh $(or $(FUZZ),virt)

lint:
	@bash scripts/lint.sh

# Generated from orionctl's clap definitions (clap_mangen, clap_complete).
orionctl-docs:
	@bash scripts/orionctl-docs.sh out/orionctl-docs

clean:
	@[ -f .kdir ] && $(MAKE) -s -C "$$(cat .kdir)" M=$(CURDIR) clean || true
	@rm -f .kdir
