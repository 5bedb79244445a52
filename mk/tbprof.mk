# tbprof (tools/tbprof/): a QEMU TCG plugin that counts instructions by
# address, for the benchmarks' split of a VM's instructions by component.
# A host shared object, loaded by QEMU with -plugin.

TBPROF_SO := $(BUILD)/tools/tbprof.so
BENCH_DEPS += $(TBPROF_SO)
TEST_DEPS  += $(TBPROF_SO)

$(TBPROF_SO): tools/tbprof/tbprof.c
	@mkdir -p $(@D)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC \
		-fvisibility=hidden -o $@ $<
