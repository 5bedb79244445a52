# 'make run': the showcase. What it shows grows with the system; today:
#  1. the microkernel boots its root task, which starts the test tasks;
#  2. the pre-virtualized Linux boots natively (soft layering): abcheck
#     summarises its sites, then the guest takes a DHCP lease on the e1000;
#  3. the same vmlinux boots as a VM on the microkernel: the in-place VMM
#     rewrites its sites, Linux runs the shell workload, then gcc inside
#     the VM builds the afterburner's annotator and checks what it writes
#     (the compile workload), and the VMM prints its counters.

RUN_DEMO_CMD := uname -a; ip link set eth0 up; sleep 2; \
	timeout 60 udhcpc -i eth0 -n -q -t 5 -T 2 -s /usr/share/udhcpc/default.script >/dev/null; \
	ip -4 addr show eth0 | grep inet; ls /sys/bus/pci/drivers

RUN_VM_CMD := uname -a; sh /bin/shell-workload.sh && \
	echo "gcc -O2 builds the afterburner in the VM:" && \
	time sh /bin/compile-workload.sh

.PHONY: run
run: setup tools microkernel vmm linux guest-progs
	@echo "== 1/3: the microkernel boots its root task and test tasks"
	@$(MAKE) --no-print-directory run-microkernel
	@echo "== 2/3: pre-virtualized Linux $(LINUX), natively"
	@$(BUILD)/bin/abcheck --summary --exceptions guest/linux/abcheck-exceptions \
		$(BUILD)/linux/$(LINUX)/vmlinux | grep -v '^excused'
	@GUEST_CMD='$(RUN_DEMO_CMD)' tools/run-linux native --timeout 600
	@echo "== 3/3: the same vmlinux as a VM on the microkernel"
	@rm -rf $(BUILD)/run-demo && mkdir -p $(BUILD)/run-demo/bin && \
		cp guest/workloads/shell-workload.sh $(BUILD)/run-demo/bin/ && \
		python3 tests/lib/compile_workload.py $(BUILD)/run-demo
	@GUEST_FILES=$(BUILD)/run-demo GUEST_CMD='$(RUN_VM_CMD)' \
		tools/run-linux vm --timeout 900
