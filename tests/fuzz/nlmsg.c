// SPDX-License-Identifier: GPL-2.0
/* Raw netlink message building with mutations: see nlmsg.h. */
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlmsg.h"
#include "rng.h"

void msg_init(struct msg *m, size_t cap, unsigned int mut)
{
	m->p = malloc(cap);
	if (!m->p) {
		perror("malloc");
		exit(2);
	}
	m->cap = cap;
	msg_reset(m, mut);
}

void msg_free(struct msg *m)
{
	free(m->p);
	m->p = NULL;
}

void msg_reset(struct msg *m, unsigned int mut)
{
	m->len = 0;
	m->mut = mut;
	m->mutations = 0;
	m->core = false;
}

/* Room for @len more bytes (and alignment); a full buffer stays full. */
static bool room(struct msg *m, size_t len)
{
	return m->len + NLA_ALIGN(len) + NLA_HDRLEN <= m->cap;
}

void msg_raw(struct msg *m, const void *data, size_t len)
{
	if (!room(m, len))
		return;
	memcpy(m->p + m->len, data, len);
	memset(m->p + m->len + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_ALIGN(len);
}

size_t msg_hdr(struct msg *m, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr h = {
		.nlmsg_type = type,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
	};
	size_t off = NLMSG_ALIGN(m->len);

	m->len = off;
	msg_raw(m, &h, sizeof(h));
	return off;
}

void msg_hdr_end(struct msg *m, size_t off)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(m->p + off);

	h->nlmsg_len = (uint32_t)(m->len - off);
}

static void put(struct msg *m, uint16_t type, uint16_t nla_len,
		const void *data, size_t len)
{
	struct nlattr a = { .nla_len = nla_len, .nla_type = type };

	if (!room(m, len))
		return;
	memcpy(m->p + m->len, &a, sizeof(a));
	m->len += NLA_HDRLEN;
	if (len)
		memcpy(m->p + m->len, data, len);
	memset(m->p + m->len + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_ALIGN(len);
}

static uint16_t odd_type(uint16_t type)
{
	switch (rnd(4)) {
	case 0:
		return (uint16_t)rnd(40);
	case 1:
		return type ^ NLA_F_NESTED;
	case 2:
		return type | NLA_F_NET_BYTEORDER;
	default:
		return (uint16_t)(type + 1);
	}
}

void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	uint8_t buf[64];
	size_t n;

	if (!m->mut || !chance(m->mut)) {
		put(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
		return;
	}
	m->mutations++;
	switch (rnd(7)) {
	case 0:		/* missing */
		return;
	case 1:		/* repeated */
		put(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
		put(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
		return;
	case 2:		/* another type */
		put(m, odd_type(type), (uint16_t)(NLA_HDRLEN + len), data, len);
		return;
	case 3:		/* another length: cut or padded */
		n = rnd(sizeof(buf));
		rnd_bytes(buf, sizeof(buf));
		memcpy(buf, data, len < n ? len : n);
		put(m, type, (uint16_t)(NLA_HDRLEN + n), buf, n);
		return;
	case 4:		/* other bytes */
		n = len < sizeof(buf) ? len : sizeof(buf);
		rnd_bytes(buf, n);
		put(m, type, (uint16_t)(NLA_HDRLEN + n), buf, n);
		return;
	case 5:		/* nla_len lies: past the end, or below the header */
		put(m, type, chance(50) ? (uint16_t)(NLA_HDRLEN + len + 4 +
						     rnd(200)) :
					  (uint16_t)rnd(NLA_HDRLEN),
		    data, len);
		return;
	default:	/* a stray attribute first */
		n = rnd(9);
		rnd_bytes(buf, n);
		put(m, (uint16_t)rnd(40), (uint16_t)(NLA_HDRLEN + n), buf, n);
		put(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
		return;
	}
}

void msg_u8(struct msg *m, uint16_t type, uint8_t v)
{
	msg_attr(m, type, &v, sizeof(v));
}

void msg_u16(struct msg *m, uint16_t type, uint16_t v)
{
	msg_attr(m, type, &v, sizeof(v));
}

void msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
	msg_attr(m, type, &v, sizeof(v));
}

void msg_str(struct msg *m, uint16_t type, const char *s)
{
	msg_attr(m, type, s, strlen(s) + 1);
}

void msg_flag(struct msg *m, uint16_t type)
{
	msg_attr(m, type, NULL, 0);
}

size_t msg_nest_begin(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	put(m, type | NLA_F_NESTED, NLA_HDRLEN, NULL, 0);
	return off;
}

void msg_nest_end(struct msg *m, size_t off)
{
	struct nlattr *a = (struct nlattr *)(m->p + off);
	size_t len = m->len - off;

	if (off >= m->len)
		return;
	if (len > 0xffff) {
		/* Too big for nla_len: what the kernel sees is a lie anyway. */
		len = 0xffff;
	}
	a->nla_len = (uint16_t)len;
	if (m->mut && chance(m->mut / 2 + 1)) {
		m->mutations++;
		switch (rnd(3)) {
		case 0:
			a->nla_type ^= NLA_F_NESTED;
			break;
		case 1:		/* cut short: the rest becomes siblings */
			a->nla_len = (uint16_t)(NLA_HDRLEN + rnd((uint32_t)len));
			break;
		default:
			a->nla_type = odd_type(a->nla_type);
			break;
		}
	}
}

void msg_garbage(struct msg *m)
{
	uint8_t buf[32];
	size_t n = 1 + rnd(sizeof(buf));

	if (!room(m, n))
		return;
	rnd_bytes(buf, n);
	memcpy(m->p + m->len, buf, n);
	m->len += n;
}

uint32_t pick_u32(const struct msg *m, uint32_t lo, uint32_t hi)
{
	static const uint32_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff,
		0x1000000, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	if (m->mut && chance(m->mut)) {
		switch (rnd(4)) {
		case 0:
			return lo - 1;
		case 1:
			return hi + 1;
		case 2:
			return (uint32_t)rnd64();
		default:
			return edge[rnd(sizeof(edge) / sizeof(edge[0]))];
		}
	}
	return lo + (uint32_t)(rnd64() % ((uint64_t)hi - lo + 1));
}
