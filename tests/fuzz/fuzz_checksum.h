/* For harnesses of model files that end in a checksum (ig_hash64 of the
 * bytes before it, little-endian): the fuzzer's input is the file without
 * it, and this appends the right one, so that mutations reach the parser
 * behind the checksum instead of all failing on it. */
#ifndef FUZZ_CHECKSUM_H
#define FUZZ_CHECKSUM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_intern.h"

/* DATA (SIZE bytes) and its checksum in a new allocation of SIZE + 8. */
static unsigned char *with_checksum(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size + 8);
	uint64_t h = ig_hash64(data, size);
	int i;

	if (size)
		memcpy(buf, data, size);
	for (i = 0; i < 8; i++)
		buf[size + (size_t)i] = (unsigned char)(h >> (8 * i));
	return buf;
}

#endif
