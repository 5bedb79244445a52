/*
 * What decode.c needs from vmm.h, for building it on the host in a unit
 * test (vmm/tests/decode_test.c): the decoder's own header and memset.
 */
#ifndef VMM_TEST_HOST_DECODE_H
#define VMM_TEST_HOST_DECODE_H

#include <decode.h>

void *memset(void *d, int c, size_t n);

#endif
