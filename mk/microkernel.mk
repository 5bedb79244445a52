# The microkernel, its root task and its test tasks (SPEC 5), built out of
# tree under $(BUILD)/microkernel/. The kernel links as ELF64 in the higher
# half and is flattened to kernel.bin, which QEMU loads with -kernel through
# the multiboot address fields. User programs are static ELF64 executables
# passed as multiboot modules (-initrd); module 0 is the root task.

MK_OUT      := $(BUILD)/microkernel
MK_CC       ?= gcc
MK_COMMON   := -std=gnu11 -Wall -Wextra -Werror -MMD -MP -O2 -g \
	       -ffreestanding -fno-stack-protector -fno-builtin -nostdlib \
	       -fno-asynchronous-unwind-tables -mno-red-zone -Iinclude \
	       -Ikernel/lib/include
# Position-independent code so the image can live at 0xffff8000_00100000,
# outside the top 2 GiB that -mcmodel=kernel would require.
MK_KCFLAGS  := $(MK_COMMON) -fpie -mgeneral-regs-only -Ikernel/include \
	       -Ikernel/arch/x86_64/include
MK_UCFLAGS  := $(MK_COMMON) -fno-pie -mcmodel=small -Iuser/lib/include

MK_KSRC     := $(wildcard kernel/*.c kernel/lib/*.c kernel/arch/x86_64/*.c) \
	       $(wildcard kernel/arch/x86_64/*.S)
MK_KOBJ     := $(patsubst %,$(MK_OUT)/%.o,$(MK_KSRC))

MK_ULIBSRC  := $(wildcard user/lib/*.c user/lib/*.S) kernel/lib/string.c \
	       kernel/lib/format.c
MK_ULIBOBJ  := $(patsubst %,$(MK_OUT)/%.u.o,$(MK_ULIBSRC))
MK_ROOTSRC  := $(wildcard user/roottask/*.c)
MK_ROOTOBJ  := $(patsubst %,$(MK_OUT)/%.u.o,$(MK_ROOTSRC))
MK_TESTS    := $(patsubst user/tests/%.c,%,$(wildcard user/tests/t_*.c))
MK_TESTELF  := $(patsubst %,$(MK_OUT)/tests/%.elf,$(MK_TESTS))
MK_TESTLIB  := $(patsubst %,$(MK_OUT)/%.u.o,$(filter-out user/tests/t_%.c,$(wildcard user/tests/*.c)))

MK_BENCHELF := $(MK_OUT)/bench/bench.elf

MK_KERNEL   := $(MK_OUT)/kernel.bin
MK_ROOT     := $(MK_OUT)/roottask.elf
MK_ALL      := $(MK_KERNEL) $(MK_ROOT) $(MK_TESTELF) $(MK_BENCHELF)

TEST_DEPS   += $(MK_ALL)
BENCH_DEPS  += $(MK_ALL)

.PHONY: microkernel run-microkernel
# Keep the objects that pattern chains would otherwise delete.
.SECONDARY: $(MK_TESTLIB) $(MK_ULIBOBJ) $(MK_OUT)/user/bench/bench.c.u.o \
	    $(patsubst %,$(MK_OUT)/user/tests/%.c.u.o,$(MK_TESTS))
microkernel: $(MK_ALL)

$(MK_OUT)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(MK_CC) $(MK_KCFLAGS) -c $< -o $@

$(MK_OUT)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo '  AS      $<'
	@$(MK_CC) $(MK_KCFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(MK_OUT)/%.c.u.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC [U]  $<'
	@$(MK_CC) $(MK_UCFLAGS) -c $< -o $@

$(MK_OUT)/%.S.u.o: %.S
	@mkdir -p $(dir $@)
	@echo '  AS [U]  $<'
	@$(MK_CC) $(MK_UCFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(MK_OUT)/kernel.elf: $(MK_KOBJ) kernel/arch/x86_64/kernel.ld
	$(MK_CC) -nostdlib -static -no-pie -Wl,--no-dynamic-linker \
		-Wl,-T,kernel/arch/x86_64/kernel.ld -Wl,-z,max-page-size=4096 \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(MK_KOBJ)

$(MK_KERNEL): $(MK_OUT)/kernel.elf
	objcopy -O binary $< $@

$(MK_ROOT): $(MK_ROOTOBJ) $(MK_ULIBOBJ) user/lib/user.ld
	$(MK_CC) -nostdlib -static -no-pie -Wl,-T,user/lib/user.ld \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(MK_ROOTOBJ) $(MK_ULIBOBJ)

$(MK_OUT)/tests/%.elf: $(MK_OUT)/user/tests/%.c.u.o $(MK_TESTLIB) $(MK_ULIBOBJ) user/lib/user.ld
	@mkdir -p $(dir $@)
	$(MK_CC) -nostdlib -static -no-pie -Wl,-T,user/lib/user.ld \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $< $(MK_TESTLIB) $(MK_ULIBOBJ)

$(MK_BENCHELF): $(MK_OUT)/user/bench/bench.c.u.o $(MK_TESTLIB) $(MK_ULIBOBJ) user/lib/user.ld
	@mkdir -p $(dir $@)
	$(MK_CC) -nostdlib -static -no-pie -Wl,-T,user/lib/user.ld \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $< $(MK_TESTLIB) $(MK_ULIBOBJ)

# Boot the kernel, the root task and every test task on the serial console.
run-microkernel: $(MK_ALL)
	$(PYTHON) tests/groups/30-microkernel --console

-include $(shell find $(MK_OUT) -name '*.d' 2>/dev/null)
