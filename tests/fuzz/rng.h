/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small seeded PRNG (splitmix64) shared by the fuzzers: one seed gives
 * one sequence, so a run is reproduced with the seed it printed.
 */
#ifndef XCLOUD_FUZZ_RNG_H
#define XCLOUD_FUZZ_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern uint64_t rng_state;

static inline uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. The modulo bias does not matter here. */
static inline uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rnd64() % n);
}

/* True with probability pct/100. */
static inline bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static inline void rnd_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = (uint8_t)rnd64();
}

#endif
