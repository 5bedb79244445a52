# The in-place VMM (SPEC 6): one static ELF linked at VMM_BASE and its near
# window (vmm/vmm.ld), loaded by the root task as a boot module ahead of its
# guest's modules. Position-independent code, because VMM_BASE is outside
# the top 2 GiB that -mcmodel=kernel would require. Built with
# -mgeneral-regs-only so it never touches the guest's FPU/SSE state, and
# with its own copy of the user library for the same reason.

VMM_OUT     := $(BUILD)/vmm
# The guest's page tables have the format the kernel's arch/paging.h
# declares; the VMM takes it from there rather than a second copy.
VMM_CFLAGS  := $(MK_COMMON) -fpie -mgeneral-regs-only \
	       -Iuser/lib/include -Ivmm/include -Ikernel/arch/x86_64/include
VMM_SRC     := $(wildcard vmm/*.c vmm/dev/*.c) vmm/entry.S user/lib/lib.c \
	       kernel/lib/string.c kernel/lib/format.c
VMM_OBJ     := $(patsubst %,$(VMM_OUT)/%.o,$(VMM_SRC))
VMM_ELF     := $(VMM_OUT)/vmm.elf

TEST_DEPS   += $(VMM_ELF)
BENCH_DEPS  += $(VMM_ELF)

.PHONY: vmm
vmm: $(VMM_ELF)

$(VMM_OUT)/%.c.o: %.c mk/vmm.mk
	@mkdir -p $(dir $@)
	@echo '  CC [VMM] $<'
	@$(MK_CC) $(VMM_CFLAGS) -c $< -o $@

$(VMM_OUT)/%.S.o: %.S mk/vmm.mk
	@mkdir -p $(dir $@)
	@echo '  AS [VMM] $<'
	@$(MK_CC) $(VMM_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(VMM_ELF): $(VMM_OBJ) vmm/vmm.ld
	$(MK_CC) -nostdlib -static -no-pie -Wl,-T,vmm/vmm.ld \
		-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,--build-id=none \
		-o $@ $(VMM_OBJ)

# Host unit tests of the device models (tests/groups/45-vmm-devices),
# built against the stand-in vmm.h in vmm/tests/host.
HOST_CC      ?= gcc
VMM_DEV_TEST := $(VMM_OUT)/dev_test
TEST_DEPS    += $(VMM_DEV_TEST)

$(VMM_DEV_TEST): vmm/tests/dev_test.c vmm/tests/aml_test.c vmm/dev/rtc.c \
		 vmm/dev/aml.c vmm/tests/host/vmm.h \
		 user/lib/include/layout.h mk/vmm.mk
	@mkdir -p $(dir $@)
	@echo '  CC [host] $@'
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Ivmm/tests/host \
		-Iuser/lib/include -o $@ vmm/tests/dev_test.c \
		vmm/tests/aml_test.c vmm/dev/rtc.c vmm/dev/aml.c

# The instruction decoder, built for the host the same way.
VMM_DECODE_TEST := $(VMM_OUT)/decode_test
TEST_DEPS       += $(VMM_DECODE_TEST)

$(VMM_DECODE_TEST): vmm/tests/decode_test.c vmm/decode.c vmm/include/decode.h \
		    vmm/tests/host-decode/vmm.h kernel/lib/include/types.h \
		    mk/vmm.mk
	@mkdir -p $(dir $@)
	@echo '  CC [host] $@'
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror \
		-Ivmm/tests/host-decode -Ivmm/include -Ikernel/lib/include \
		-o $@ vmm/tests/decode_test.c vmm/decode.c

# The guest's debug registers: which breakpoints reach the microkernel.
VMM_DEBUG_TEST := $(VMM_OUT)/debug_test
TEST_DEPS      += $(VMM_DEBUG_TEST)

$(VMM_DEBUG_TEST): vmm/tests/debug_test.c vmm/debug.c include/abi/debug.h \
		   vmm/tests/host-debug/vmm.h mk/vmm.mk
	@mkdir -p $(dir $@)
	@echo '  CC [host] $@'
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror \
		-Ivmm/tests/host-debug -Iinclude \
		-o $@ vmm/tests/debug_test.c vmm/debug.c

-include $(shell find $(VMM_OUT) -name '*.d' 2>/dev/null)
