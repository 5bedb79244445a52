/*
 * The exec target of microbench's fork_exec benchmark: a static program that
 * does nothing, so the measurement is fork + execve + libc start-up + exit.
 */
int main(void)
{
	return 0;
}
