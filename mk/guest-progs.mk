# Guest user programs: static x86-64 executables built with the host gcc and
# copied into the guest's initramfs (GUEST_FILES) by the tests and benchmarks.
#   conformance   ordinary Linux user space behaviour, one "ok"/"not ok" line
#                 per check (guest/progs/conformance*.c)
#   microbench    syscall/fork/exec/pipe/fault microbenchmarks
#   true-static   the smallest useful exec target for microbench

GUEST_PROGS_DIR := $(BUILD)/guest/progs
GUEST_CC        ?= gcc
GUEST_CFLAGS    := -std=gnu11 -O2 -Wall -Wextra -Werror -pthread -MMD -MP
GUEST_LDFLAGS   := -static -pthread

GUEST_CONFORMANCE_OBJS := $(patsubst guest/progs/%.c,$(GUEST_PROGS_DIR)/%.o,\
			  $(sort $(wildcard guest/progs/conformance*.c)))
GUEST_PROGS := $(GUEST_PROGS_DIR)/conformance $(GUEST_PROGS_DIR)/microbench \
	       $(GUEST_PROGS_DIR)/true-static
GUEST_PROGS_OBJS := $(GUEST_CONFORMANCE_OBJS) \
		    $(GUEST_PROGS_DIR)/microbench.o $(GUEST_PROGS_DIR)/true-static.o

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

-include $(GUEST_PROGS_OBJS:.o=.d)
