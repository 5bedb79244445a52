/*
 * Freestanding memory and string helpers. Also linked into the user
 * library (user/lib), so the kernel and user code share one copy.
 */
#include <lib.h>

/*
 * memset and memcpy move eight bytes at a time once both ends are
 * aligned: the vCPU state area and register frames the kernel and the
 * VMM copy on every upcall are a few hundred bytes, and a byte loop made
 * the upcall/resume round trip several times longer.
 */
typedef u64 __attribute__((may_alias)) word_t;

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	word_t w = 0x0101010101010101ul * (unsigned char)c;

	for (; n && ((u64)p & 7); n--)
		*p++ = (unsigned char)c;
	for (; n >= 8; n -= 8, p += 8)
		*(word_t *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if ((((u64)dp ^ (u64)sp) & 7) == 0) {
		for (; n && ((u64)dp & 7); n--)
			*dp++ = *sp++;
		for (; n >= 8; n -= 8, dp += 8, sp += 8)
			*(word_t *)dp = *(const word_t *)sp;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
