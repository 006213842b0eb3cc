// SPDX-License-Identifier: GPL-2.0
/* Addresses and prefixes from text: the one parser xcloudctl and the
 * daemons share. No kernel involved. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libxcloud.h"

int xc_addr_parse(const char *s, struct xc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->v6) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int xc_prefix_parse_any(const char *s, struct xc_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t alen = slash ? (size_t)(slash - s) : s ? strlen(s) : 0;
	unsigned long len, bits;
	char *end;

	memset(p, 0, sizeof(*p));
	if (!s || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (xc_addr_parse(buf, &p->addr))
		return -EINVAL;
	bits = xc_addr_len(&p->addr) * 8;
	if (!slash) {
		len = bits;
	} else {
		/* Decimal digits only: no sign, octal or hex. */
		if (slash[1] < '0' || slash[1] > '9' ||
		    (slash[1] == '0' && slash[2]))
			return -EINVAL;
		len = strtoul(slash + 1, &end, 10);
		if (*end || len > bits)
			return -EINVAL;
	}
	p->len = (uint8_t)len;
	return 0;
}

int xc_prefix_parse(const char *s, struct xc_prefix *p)
{
	unsigned int bits;

	if (xc_prefix_parse_any(s, p))
		return -EINVAL;
	/* Host bits must be clear: 10.0.0.1/8 is a typo, not a route. */
	bits = (unsigned int)xc_addr_len(&p->addr) * 8;
	for (unsigned int i = p->len; i < bits; i++)
		if (p->addr.bytes[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	return 0;
}

bool xc_prefix_has(const struct xc_prefix *p, const struct xc_addr *a)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (!p->addr.family || a->family != p->addr.family)
		return false;
	if (memcmp(a->bytes, p->addr.bytes, full))
		return false;
	return !rest || !((a->bytes[full] ^ p->addr.bytes[full]) &
			  (uint8_t)(0xff00 >> rest));
}
