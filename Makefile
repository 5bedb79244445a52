# Top-level build. Each component adds its rules in mk/<component>.mk and
# appends what it produces to the shared lists below; this file only wires the
# user-facing commands (see README.md) to them.
#
#   make run          the showcase (grows with the system)
#   make test         every test; ends with "N passed, N failed"
#   make tools        host tools: the afterburner and its checker
#   make run-native   boot the pre-virtualized Linux on bare QEMU
#   make bench        side-by-side measurements -> build/bench/
#
# Common variables: LINUX=6.1|6.12, GUEST_FILES=DIR, GUEST_CMD='...',
# GUEST_APPEND='more kernel parameters'

BUILD       ?= build
LINUX       ?= 6.1
PYTHON      ?= python3
export BUILD

TOOLS       :=	# host tools, built by 'make tools'
TEST_DEPS   :=	# everything 'make test' needs built first
BENCH_DEPS  :=	# everything 'make bench' needs built first

.PHONY: all setup tools test run run-native bench clean
all: tools

# The setup step: idempotent, installs missing Debian packages only (a
# dpkg query when nothing is missing).
setup:
	@sh scripts/setup.sh

include $(sort $(wildcard mk/*.mk))

tools: $(TOOLS)

test: setup tools
	@$(MAKE) --no-print-directory $(TEST_DEPS)
	@$(PYTHON) tests/run.py

bench: setup tools
	@$(MAKE) --no-print-directory $(BENCH_DEPS)
	@$(PYTHON) bench/run.py

clean:
	rm -rf $(BUILD)
