# Guest kernel modules (guest/modules/): the module helper that gets module
# sites rewritten by the in-place VMM, and a test module full of sensitive
# instructions. Built per Linux version against the cached pre-virtualized
# kernel tree, through the afterburner (guest/modules/build.sh), into
# $(BUILD)/guest/modules/<version>/.

.PHONY: guest-modules
guest-modules: linux-all
	@for v in $(LINUX_VERSIONS); do \
		guest/modules/build.sh $$v $(BUILD)/guest/modules/$$v || exit 1; \
	done

TEST_DEPS += guest-modules
