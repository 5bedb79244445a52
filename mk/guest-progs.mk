# Guest user programs: static x86-64 executables built with the host gcc and
# copied into the guest's initramfs (GUEST_FILES) by the tests and benchmarks.
#   conformance   ordinary Linux user space behaviour, one "ok"/"not ok" line
#                 per check (guest/progs/conformance*.c)
#   microbench    syscall/fork/exec/pipe/fault microbenchmarks
#   true-static   the smallest useful exec target for microbench
#   tbmark        ends a segment of the tbprof plugin's profile (mk/tbprof.mk)

GUEST_PROGS_DIR := $(BUILD)/guest/progs
GUEST_CC        ?= gcc
# Tables such as the conformance checks leave optional trailing fields out.
GUEST_CFLAGS    := -std=gnu11 -O2 -Wall -Wextra -Wno-missing-field-initializers \
                   -Werror -pthread -MMD -MP
GUEST_LDFLAGS   := -static -pthread

GUEST_CONFORMANCE_OBJS := $(patsubst guest/progs/%.c,$(GUEST_PROGS_DIR)/%.o,\
			  $(sort $(wildcard guest/progs/conformance*.c)))
GUEST_PROGS := $(GUEST_PROGS_DIR)/conformance $(GUEST_PROGS_DIR)/microbench \
	       $(GUEST_PROGS_DIR)/true-static $(GUEST_PROGS_DIR)/tbmark
GUEST_PROGS_OBJS := $(GUEST_CONFORMANCE_OBJS) \
		    $(GUEST_PROGS_DIR)/microbench.o $(GUEST_PROGS_DIR)/true-static.o \
		    $(GUEST_PROGS_DIR)/tbmark.o

TEST_DEPS  += $(GUEST_PROGS)
BENCH_DEPS += $(GUEST_PROGS)

.PHONY: guest-progs
guest-progs: $(GUEST_PROGS)

$(GUEST_PROGS_DIR)/%.o: guest/progs/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_PROGS_DIR)/conformance: $(GUEST_CONFORMANCE_OBJS)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $^

$(GUEST_PROGS_DIR)/microbench: $(GUEST_PROGS_DIR)/microbench.o
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $^

$(GUEST_PROGS_DIR)/true-static: $(GUEST_PROGS_DIR)/true-static.o
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $^

$(GUEST_PROGS_DIR)/tbmark: $(GUEST_PROGS_DIR)/tbmark.o
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $^

-include $(GUEST_PROGS_OBJS:.o=.d)

# The hostile guest of the VM isolation tests (guest/probe/): a bare 64-bit
# "kernel" the VMM loads like a vmlinux, built through the afterburner too.
GUEST_PROBE := $(BUILD)/guest/probe.elf
TEST_DEPS   += $(GUEST_PROBE)

$(GUEST_PROBE): guest/probe/probe.c guest/probe/probe.ld $(AB_WRAPPER) $(AB_AFTERBURN)
	@mkdir -p $(@D)
	$(GUEST_CC) -B $(BUILD)/ab-as/ -std=gnu11 -O2 -Wall -Wextra -Werror \
		-ffreestanding -fno-pie -no-pie -nostdlib -static -mno-red-zone \
		-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
		-Wl,-T,guest/probe/probe.ld -Wl,--build-id=none -o $@ $<
