# Guest Linux: the pre-virtualized kernels (built through the afterburner),
# the plain baseline kernels of the benchmarks, the guest helpers, and
# 'make run-native'. guest/linux/build.sh does the caching.

LINUX_VERSIONS := 6.1 6.12
export LINUX GUEST_FILES GUEST_CMD GUEST_APPEND

.PHONY: linux linux-all linux-plain run-native run-vm
# The pre-virtualized kernel LINUX=... (build/linux/<version>/vmlinux).
linux: setup tools
	@guest/linux/build.sh $(LINUX) afterburn $(BUILD)/linux/$(LINUX)

linux-all: setup tools
	@for v in $(LINUX_VERSIONS); do \
		guest/linux/build.sh $$v afterburn $(BUILD)/linux/$$v || exit 1; \
	done

# The same kernel without the afterburner: the native-overhead baseline of
# 'make bench' (BENCH_LINUX, default 6.1).
BENCH_LINUX ?= 6.1
export BENCH_LINUX
linux-plain: setup
	@guest/linux/build.sh $(BENCH_LINUX) plain $(BUILD)/linux/$(BENCH_LINUX)-plain

run-native: linux
	@tools/run-linux native

# The same vmlinux as a VM on the microkernel (SPEC 4.1, 6).
run-vm: linux microkernel vmm
	@tools/run-linux vm

TEST_DEPS  += linux-all
BENCH_DEPS += linux-all linux-plain
