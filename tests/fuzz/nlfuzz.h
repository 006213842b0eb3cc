/* SPDX-License-Identifier: GPL-2.0 */
/* The netlink fuzzer's shared state: see nlfuzz.c and docs/fuzzing.md. */
#ifndef XCLOUD_FUZZ_NLFUZZ_H
#define XCLOUD_FUZZ_NLFUZZ_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "nlmsg.h"

#define TRACK_MAX 128

/* Prefixes (or addresses) the positive control added and may remove. */
struct track {
	uint8_t addr[TRACK_MAX][16];
	uint8_t len[TRACK_MAX];		/* 4 or 16 */
	uint8_t plen[TRACK_MAX];
	unsigned int n;
};

struct nlfuzz {
	int genl, rtnl;			/* request sockets */
	uint16_t family;		/* genl id of "xcloud" */
	uint32_t seq;
	/* Devices the fuzzer targets; the control device only sees valid
	 * requests, so they succeed whatever the fuzz did before. */
	unsigned int fz_ifindex[2];
	char fz_name[2][IFNAMSIZ];
	unsigned int ctl_ifindex;
	char ctl_name[IFNAMSIZ];
	unsigned int other_ifindex;	/* not an xcloud device */
	struct track routes, allowed, tunnels;
	/* What a valid request changes in a track once it succeeds. */
	struct {
		struct track *t;
		bool add;
		uint8_t addr[16], len, plen;
	} pending;
	char links[64][IFNAMSIZ];	/* devices the fuzz created */
	unsigned int nlinks, link_serial;
	char pending_link[IFNAMSIZ];	/* created if the request succeeds */
	bool pending_link_del;
};

void track_commit(struct nlfuzz *f);

/* nlfuzz_genl.c: one request of the xcloud genl family into @m. */
void genl_fuzz(struct nlfuzz *f, struct msg *m, uint16_t flags, bool *dump);
void genl_valid(struct nlfuzz *f, struct msg *m, uint16_t flags, bool *dump);
/* nlfuzz_link.c: one rtnetlink request for an xcloud link into @m. */
void link_fuzz(struct nlfuzz *f, struct msg *m, uint16_t flags);
void link_valid(struct nlfuzz *f, struct msg *m, uint16_t flags);

/* Helpers the generators share (nlfuzz_genl.c). */
void put_addr(struct msg *m, uint16_t type, bool v6, int kind);
enum { ADDR_INNER, ADDR_UNDERLAY };

#endif
