// SPDX-License-Identifier: GPL-2.0
/*
 * Mutated packets: GENEVE (version, option length, O and C flags,
 * protocol type, VNI, options with and without the critical bit,
 * xcloud's relayed option, lengths that lie, truncation) around inner
 * IPv4/IPv6 packets (version, header length, options, total or payload
 * length, fragments, TTL/hop limit, extension headers, checksums).
 * Most fields are right most of the time, so packets get deep into the
 * parsers before the one wrong thing is found.
 */
#include <arpa/inet.h>
#include <string.h>

#include "pktfuzz.h"
#include "rng.h"

static void pick_addr(uint8_t *a, const struct net *n, unsigned int bytes)
{
	unsigned int i, plen = n->plen;

	rnd_bytes(a, bytes);
	if (chance(10))		/* anywhere at all */
		return;
	for (i = 0; i < bytes && plen; i++) {
		if (plen >= 8) {
			a[i] = n->addr[i];
			plen -= 8;
		} else {
			uint8_t m = (uint8_t)(0xff00 >> plen);

			a[i] = (uint8_t)((n->addr[i] & m) | (a[i] & ~m));
			plen = 0;
		}
	}
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t payload_len(size_t room)
{
	size_t len;

	if (chance(3))
		len = 1400 + rnd(7000);
	else if (chance(20))
		len = rnd(16);
	else
		len = 8 + rnd(600);
	return len < room ? len : room;
}

static const uint8_t protos[] = { 1, 6, 17, 58, 47, 132, 0, 255 };

static size_t gen_ip4(uint8_t *b, size_t cap, const struct nets *n)
{
	unsigned int ihl = chance(90) ? 5 : rnd(16);
	size_t hlen = ihl < 5 ? 20 : ihl * 4, len;
	uint16_t frag = 0, tot;

	if (cap < 60)
		return 0;
	memset(b, 0, hlen);
	b[0] = (uint8_t)((chance(97) ? 4 : rnd(16)) << 4 | ihl);
	b[1] = (uint8_t)rnd(256);			/* DSCP, ECN */
	rnd_bytes(b + 4, 2);				/* id */
	if (chance(20))
		frag = (uint16_t)(rnd(2) << 13 | rnd(0x2000));	/* MF, offset */
	else if (chance(50))
		frag = 0x4000;				/* DF */
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = chance(90) ? 64 : (uint8_t)rnd(3);	/* TTL 0, 1, 2 too */
	b[9] = chance(80) ? protos[rnd(3)] : protos[rnd(sizeof(protos))];
	pick_addr(b + 12, &n->src[0], 4);
	pick_addr(b + 16, &n->dst[0], 4);
	if (hlen > 20)
		rnd_bytes(b + 20, hlen - 20);		/* options */
	len = hlen + payload_len(cap - hlen);
	rnd_bytes(b + hlen, len - hlen);
	tot = chance(85) ? (uint16_t)len : (uint16_t)rnd(0x10000);
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	if (chance(95)) {
		uint16_t c = csum(b, hlen);

		b[10] = (uint8_t)(c >> 8);
		b[11] = (uint8_t)c;
	}
	return len;
}

static size_t gen_ip6(uint8_t *b, size_t cap, const struct nets *n)
{
	static const uint8_t next[] = { 17, 6, 58, 44, 0, 60, 43, 59 };
	size_t len, hlen = 40;
	uint16_t plen;

	if (cap < 64)
		return 0;
	memset(b, 0, 40);
	b[0] = (uint8_t)((chance(97) ? 6 : rnd(16)) << 4 | rnd(16));
	rnd_bytes(b + 1, 3);				/* class, flow */
	b[6] = chance(75) ? next[rnd(3)] : next[rnd(sizeof(next))];
	b[7] = chance(90) ? 64 : (uint8_t)rnd(3);
	pick_addr(b + 8, &n->src[1], 16);
	pick_addr(b + 24, &n->dst[1], 16);
	if (b[6] == 44 || b[6] == 0 || b[6] == 60 || b[6] == 43) {
		/* one extension header: fragment, hop-by-hop, options, routing */
		rnd_bytes(b + 40, 8);
		b[40] = chance(80) ? protos[rnd(3)] : (uint8_t)rnd(256);
		if (b[6] != 44)
			b[41] = chance(80) ? 0 : (uint8_t)rnd(256);
		hlen = 48;
	}
	len = hlen + payload_len(cap - hlen);
	rnd_bytes(b + hlen, len - hlen);
	plen = chance(85) ? (uint16_t)(len - 40) : (uint16_t)rnd(0x10000);
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	return len;
}

size_t gen_inner(uint8_t *buf, size_t cap, const struct nets *n, bool *v6)
{
	*v6 = chance(40);
	return *v6 ? gen_ip6(buf, cap, n) : gen_ip4(buf, cap, n);
}

/* Options filling @len bytes (a multiple of 4). */
static void gen_opts(uint8_t *p, size_t len)
{
	while (len >= 4) {
		size_t olen = 4 + 4 * rnd((uint32_t)(len / 4 < 32 ? len / 4 : 32));

		if (olen > len)
			olen = len;
		rnd_bytes(p, olen);
		if (chance(30)) {		/* xcloud's relayed option */
			p[0] = 0xff;
			p[1] = 0xf0;
			p[2] = 0x01;
		} else if (chance(60)) {
			p[2] &= 0x7f;		/* not critical */
		}
		if (chance(90))			/* the right length, mostly */
			p[3] = (uint8_t)((p[3] & 0xe0) | ((olen - 4) / 4));
		p += olen;
		len -= olen;
	}
}

size_t gen_geneve(uint8_t *buf, size_t cap, const struct nets *n)
{
	unsigned int optw = chance(75) ? 0 : (chance(80) ? 1 + rnd(4) : rnd(64));
	size_t hlen = 8 + 4 * optw, len;
	uint32_t vni = n->vni[rnd(n->nvni)];
	uint16_t proto;
	bool v6;

	if (cap < hlen + 64)
		return 0;
	if (chance(3))
		vni = (uint32_t)rnd(1 << 24);		/* unknown, mostly */
	buf[0] = (uint8_t)((chance(97) ? 0 : 1 + rnd(3)) << 6 | optw);
	buf[1] = chance(95) ? 0 : (uint8_t)rnd(256);	/* O, C, reserved */
	buf[4] = (uint8_t)(vni >> 16);
	buf[5] = (uint8_t)(vni >> 8);
	buf[6] = (uint8_t)vni;
	buf[7] = chance(95) ? 0 : (uint8_t)rnd(256);
	gen_opts(buf + 8, hlen - 8);
	len = hlen + gen_inner(buf + hlen, cap - hlen, n, &v6);
	proto = v6 ? 0x86dd : 0x0800;
	if (chance(5)) {			/* another, or a mismatch */
		static const uint16_t other[] = { 0x0800, 0x86dd, 0x6558, 0x0806, 0 };

		proto = other[rnd(5)];
	}
	buf[2] = (uint8_t)(proto >> 8);
	buf[3] = (uint8_t)proto;
	if (chance(5))				/* truncated anywhere */
		len = rnd((uint32_t)len + 1);
	return len;
}
