// SPDX-License-Identifier: GPL-2.0
/* Addresses and prefixes in text, for configuration files and the CLI. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eip.h"

int eip_addr_parse(const char *s, struct xc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

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
	char buf[INET6_ADDRSTRLEN + 5], *slash, *end;
	unsigned long len;
	unsigned int max;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (eip_addr_parse(buf, &p->addr))
		return -EINVAL;
	max = p->addr.family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len > max)
			return -EINVAL;
	}
	p->len = (uint8_t)len;
	mask_prefix(p);
	return 0;
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
