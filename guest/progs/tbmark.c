/*
 * tbmark: executes the marker instruction of the tbprof QEMU plugin
 * (tools/tbprof/tbprof.c) once, which ends a profile segment there. A
 * no-op anywhere else: it only loads a constant into rax.
 */
int main(void)
{
	/* the immediate spells PROFMARK */
	__asm__ volatile("movabs $0x4b52414d464f5250, %%rax" : : : "rax");
	return 0;
}
