/* SPDX-License-Identifier: GPL-2.0 */
/* The packet fuzzer's generators: see pktgen.c and docs/fuzzing.md. */
#ifndef XCLOUD_FUZZ_PKTFUZZ_H
#define XCLOUD_FUZZ_PKTFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A prefix the inner addresses come from, mostly. */
struct net {
	uint8_t addr[16];
	unsigned int plen;
	bool v6;
};

struct nets {
	struct net src[2], dst[2];	/* [0] IPv4, [1] IPv6 */
	uint32_t vni[4];
	unsigned int nvni;
};

#define PKT_MAX 9000

/* An inner IPv4 or IPv6 packet, mutated; returns its length. */
size_t gen_inner(uint8_t *buf, size_t cap, const struct nets *n, bool *v6);
/* A GENEVE header, options and an inner packet, mutated; its length. */
size_t gen_geneve(uint8_t *buf, size_t cap, const struct nets *n);

#endif
