/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw netlink messages that may be malformed on purpose. Attributes go
 * through msg_attr() and nests through msg_nest_*(); with a mutation rate
 * (msg.mut, percent per attribute) each may come out missing, repeated,
 * with another type, another length, other bytes or a lying nla_len.
 */
#ifndef XCLOUD_FUZZ_NLMSG_H
#define XCLOUD_FUZZ_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_MAX_DEPTH 16

struct msg {
	uint8_t *p;
	size_t len, cap;
	unsigned int mut;	/* percent of attributes mutated */
	unsigned int mutations;	/* how many were */
	/*
	 * A change the netlink or genl core refuses before the family sees
	 * the message, without an extack message (see docs/fuzzing.md).
	 */
	bool core;
};

void msg_init(struct msg *m, size_t cap, unsigned int mut);
void msg_free(struct msg *m);
void msg_reset(struct msg *m, unsigned int mut);
/* Header of a request: type, flags, seq; returns the header's offset. */
size_t msg_hdr(struct msg *m, uint16_t type, uint16_t flags, uint32_t seq);
/* Set nlmsg_len of the message starting at @off to its end. */
void msg_hdr_end(struct msg *m, size_t off);
void msg_raw(struct msg *m, const void *data, size_t len);

void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len);
void msg_u8(struct msg *m, uint16_t type, uint8_t v);
void msg_u16(struct msg *m, uint16_t type, uint16_t v);
void msg_u32(struct msg *m, uint16_t type, uint32_t v);
void msg_str(struct msg *m, uint16_t type, const char *s);
void msg_flag(struct msg *m, uint16_t type);
size_t msg_nest_begin(struct msg *m, uint16_t type);
void msg_nest_end(struct msg *m, size_t off);
/* Random bytes, possibly not a whole attribute, at the current end. */
void msg_garbage(struct msg *m);

/* A value for a field whose valid range is [lo, hi], or an edge case. */
uint32_t pick_u32(const struct msg *m, uint32_t lo, uint32_t hi);

#endif
