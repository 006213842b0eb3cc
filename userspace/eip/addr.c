// SPDX-License-Identifier: GPL-2.0
/* Addresses and prefixes in text, for configuration files and the CLI. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eip.h"

/* Clear the bits past the prefix length: BIRD refuses "10.0.0.1/24". */
static void mask_prefix(struct xc_prefix *p)
{
	size_t bytes = p->addr.family == AF_INET ? 4 : 16, i;

	for (i = 0; i < bytes; i++) {
		unsigned int keep = p->len > i * 8 ? p->len - i * 8 : 0;

		if (keep < 8)
			p->addr.bytes[i] &= (uint8_t)(0xff00 >> keep);
	}
}

int eip_prefix_parse(const char *s, struct xc_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 5], *slash;
	unsigned int len, max;
	size_t i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (xc_addr_parse(buf, &p->addr))
		return -EINVAL;
	max = p->addr.family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		/* Digits only: no sign, no space, no "0x" (strtoul takes them). */
		if (!slash[1] || strlen(slash + 1) > 3)
			return -EINVAL;
		for (len = 0, i = 1; slash[i]; i++) {
			if (slash[i] < '0' || slash[i] > '9')
				return -EINVAL;
			len = len * 10 + (unsigned int)(slash[i] - '0');
		}
		if (len > max)
			return -EINVAL;
	}
	p->len = (uint8_t)len;
	mask_prefix(p);
	return 0;
}

/*
 * Addresses that are no one's unicast address on a network: an EIP, a
 * router's node or a VM behind the NAT cannot have them, and an EIP pool
 * cannot cover them (its route would capture the node's own traffic).
 */
static const struct {
	const char *prefix, *what;
} special[] = {
	{ "0.0.0.0/8", "0.0.0.0/8 (this network)" },
	{ "127.0.0.0/8", "127.0.0.0/8 (loopback)" },
	{ "169.254.0.0/16", "169.254.0.0/16 (link-local)" },
	{ "224.0.0.0/4", "224.0.0.0/4 (multicast)" },
	{ "240.0.0.0/4", "240.0.0.0/4 (reserved, broadcast included)" },
	{ "::/128", ":: (unspecified)" },
	{ "::1/128", "::1 (loopback)" },
	{ "::ffff:0:0/96", "::ffff:0:0/96 (IPv4-mapped)" },
	{ "fe80::/10", "fe80::/10 (link-local)" },
	{ "ff00::/8", "ff00::/8 (multicast)" },
};

/* Whether one of @a, @b contains the other. */
static bool overlap(const struct xc_prefix *a, const struct xc_prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len, i;

	if (a->addr.family != b->addr.family)
		return false;
	for (i = 0; i < len / 8; i++)
		if (a->addr.bytes[i] != b->addr.bytes[i])
			return false;
	return len % 8 == 0 ||
	       !((a->addr.bytes[i] ^ b->addr.bytes[i]) & (0xff00 >> (len % 8)));
}

/* The special range that overlaps @p, or with @within only one that
 * holds all of it. */
static const char *special_range(const struct xc_prefix *p, bool within)
{
	struct xc_prefix s;
	size_t i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (!eip_prefix_parse(special[i].prefix, &s) &&
		    (!within || p->len >= s.len) && overlap(p, &s))
			return special[i].what;
	return NULL;
}

const char *eip_prefix_unusable(const struct xc_prefix *p)
{
	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return "no address family";
	return special_range(p, false);
}

const char *eip_prefix_special(const struct xc_prefix *p)
{
	return special_range(p, true);
}

const char *eip_addr_unusable(const struct xc_addr *a)
{
	struct xc_prefix p = eip_host_prefix(a);

	return eip_prefix_unusable(&p);
}

const char *eip_prefix_str(const struct xc_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	xc_addr_str(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

struct xc_prefix eip_host_prefix(const struct xc_addr *a)
{
	struct xc_prefix p = { .addr = *a };

	p.len = a->family == AF_INET ? 32 : 128;
	return p;
}
