# The afterburner: afterburn (annotates assembler source), its "as" wrapper
# for "gcc -B $(BUILD)/ab-as/", and abcheck (proves coverage on vmlinux and
# .ko files). Host tools; all instruction facts come from
# afterburner/sensitive.def. See docs/afterburner.md.

AB_SRC      := afterburner
AB_OBJ      := $(BUILD)/afterburner
AB_CC       ?= gcc
AB_CFLAGS   := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
	       -I$(AB_SRC)

# The engine shared by afterburn, abcheck and the unit tests.
AB_CORE     := sensitive insn lex directive emit macro_param
AB_CORE_OBJ := $(AB_CORE:%=$(AB_OBJ)/%.o)
AB_CHECK    := abcheck/abcheck abcheck/elf_image abcheck/disasm
AB_CHECK_OBJ := $(AB_CHECK:%=$(AB_OBJ)/%.o)

AB_AFTERBURN := $(BUILD)/bin/afterburn
AB_ABCHECK   := $(BUILD)/bin/abcheck
AB_WRAPPER   := $(BUILD)/ab-as/as
AB_GEN_DOC   := $(AB_OBJ)/gen_doc
AB_UNIT      := $(AB_OBJ)/unit_test

TOOLS += $(AB_AFTERBURN) $(AB_ABCHECK) $(AB_WRAPPER)
TEST_DEPS += $(AB_UNIT) $(AB_GEN_DOC)

$(AB_OBJ)/%.o: $(AB_SRC)/%.c
	@mkdir -p $(dir $@)
	$(AB_CC) $(AB_CFLAGS) -c -o $@ $<

$(AB_AFTERBURN): $(AB_OBJ)/afterburn.o $(AB_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AB_CC) -o $@ $^

$(AB_ABCHECK): $(AB_CHECK_OBJ) $(AB_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AB_CC) -o $@ $^

$(AB_WRAPPER): $(AB_OBJ)/ab_as.o | $(AB_AFTERBURN)
	@mkdir -p $(dir $@)
	$(AB_CC) -o $@ $^

$(AB_GEN_DOC): $(AB_OBJ)/gen_doc.o $(AB_CORE_OBJ)
	$(AB_CC) -o $@ $^

$(AB_UNIT): $(AB_OBJ)/tests/unit_test.o $(AB_CORE_OBJ)
	$(AB_CC) -o $@ $^

# docs/sensitive-instructions.md is generated from the table and committed;
# the test group checks it is up to date.
.PHONY: docs-sensitive rebase-golden
docs-sensitive: $(AB_GEN_DOC)
	$(AB_GEN_DOC) > docs/sensitive-instructions.md

# Regenerate the expected outputs of the golden tests (review the diff!).
rebase-golden: $(AB_AFTERBURN)
	@for f in $(AB_SRC)/tests/cases/*.s; do \
		e=$${f%.s}.expected; \
		$(AB_AFTERBURN) $$f > $$e 2>&1; \
		echo "exit=$$?" >> $$e; \
		echo "rebased $$e"; \
	done

-include $(wildcard $(AB_OBJ)/*.d $(AB_OBJ)/*/*.d)
