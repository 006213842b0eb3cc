// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of addresses and prefixes from text (addr.c), the parser
 * xcloudctl, the daemons and the coordinator share: what it takes, what
 * it refuses (scoped IPv6, whitespace, lengths out of range or not plain
 * decimal, host bits) and which addresses a prefix holds. TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "libxcloud.h"
#include "tap.h"

/* @s for a test's name: control bytes as \xNN. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t k = 0;

	for (; *s && k + 5 < size; s++)
		k += (unsigned char)*s < 0x20 ?
		     (size_t)snprintf(buf + k, size - k, "\\x%02x", *s) :
		     (size_t)snprintf(buf + k, size - k, "%c", *s);
	buf[k] = '\0';
	return buf;
}

static bool addr_is(const char *s, int family, const char *text)
{
	struct xc_addr a;
	char buf[INET6_ADDRSTRLEN];

	return !xc_addr_parse(s, &a) && a.family == family &&
	       !strcmp(xc_addr_str(&a, buf, sizeof(buf)), text);
}

static bool prefix_is(int (*parse)(const char *, struct xc_prefix *),
		      const char *s, const char *addr, unsigned int len)
{
	struct xc_prefix p;
	char buf[INET6_ADDRSTRLEN];

	return !parse(s, &p) && p.len == len &&
	       !strcmp(xc_addr_str(&p.addr, buf, sizeof(buf)), addr);
}

/* Does prefix @ps (host bits allowed) hold address @as? */
static bool has(const char *ps, const char *as)
{
	struct xc_prefix p;
	struct xc_addr a;

	return !xc_prefix_parse_any(ps, &p) && !xc_addr_parse(as, &a) &&
	       xc_prefix_has(&p, &a);
}

int main(void)
{
	static const char *const bad_addr[] = {
		"fe80::1%eth0", "fe80::1%2", " 10.0.0.1", "10.0.0.1 ",
		"10.0.0.1\n", "\t::1", "10.0.0.300", "10.0.0", "10.0.0.1/32",
		"[::1]", "", "host",
	};
	static const char *const bad_prefix[] = {
		"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/+8",
		"10.0.0.0/ 8", "10.0.0.0/8 ", " 10.0.0.0/8", "10.0.0.0/-0",
		"10.0.0.0/08", "10.0.0.0/0x8", "10.0.0.0/8/8",
		"fe80::%eth0/64", "10.0.0.0/4294967304", "/8", "",
	};
	struct xc_addr a;
	struct xc_prefix p;
	unsigned int refused = 0;
	char what[96], buf[32];

	printf("TAP version 13\n");
	ok(addr_is("10.0.0.1", AF_INET, "10.0.0.1") &&
	   addr_is("fd00::1", AF_INET6, "fd00::1") &&
	   addr_is("::ffff:10.0.0.1", AF_INET6, "::ffff:10.0.0.1"),
	   "IPv4, IPv6 and IPv4-mapped IPv6 addresses taken");
	for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		snprintf(what, sizeof(what), "address \"%s\" refused",
			 shown(bad_addr[i], buf, sizeof(buf)));
		ok(xc_addr_parse(bad_addr[i], &a) == -EINVAL && !a.family, what);
	}
	ok(xc_addr_parse(NULL, &a) == -EINVAL, "no address refused");

	ok(prefix_is(xc_prefix_parse, "10.0.0.0/8", "10.0.0.0", 8) &&
	   prefix_is(xc_prefix_parse, "fd00::/64", "fd00::", 64) &&
	   prefix_is(xc_prefix_parse, "0.0.0.0/0", "0.0.0.0", 0) &&
	   prefix_is(xc_prefix_parse, "10.0.0.1/32", "10.0.0.1", 32) &&
	   prefix_is(xc_prefix_parse, "::1/128", "::1", 128),
	   "prefixes taken, lengths 0 to the family's bits");
	ok(prefix_is(xc_prefix_parse, "10.0.0.1", "10.0.0.1", 32) &&
	   prefix_is(xc_prefix_parse, "fd00::1", "fd00::1", 128),
	   "no length: a host prefix");
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++) {
		if (xc_prefix_parse(bad_prefix[i], &p) &&
		    xc_prefix_parse_any(bad_prefix[i], &p))
			refused++;
		else
			printf("# took \"%s\"\n", bad_prefix[i]);
	}
	ok(refused == sizeof(bad_prefix) / sizeof(bad_prefix[0]),
	   "lengths out of range or not plain decimal, scoped or spaced addresses refused by both parsers");
	ok(xc_prefix_parse("10.0.0.1/8", &p) == -EINVAL &&
	   xc_prefix_parse("fd00::1/64", &p) == -EINVAL &&
	   xc_prefix_parse("10.128.0.0/8", &p) == -EINVAL,
	   "host bits set refused");
	ok(prefix_is(xc_prefix_parse_any, "10.0.0.1/8", "10.0.0.1", 8) &&
	   prefix_is(xc_prefix_parse_any, "fd00::1/64", "fd00::1", 64) &&
	   prefix_is(xc_prefix_parse_any, "10.0.0.0/8", "10.0.0.0", 8),
	   "... taken and kept when host bits are allowed");

	ok(has("10.0.0.0/8", "10.255.1.2") && !has("10.0.0.0/8", "11.0.0.1"),
	   "prefix holds its addresses, not others");
	ok(has("10.0.0.0/12", "10.15.255.255") && !has("10.0.0.0/12", "10.16.0.0") &&
	   has("fd00::/7", "fdff::1") && !has("fd00::/7", "fe00::1"),
	   "a length off a byte boundary compares its bits only");
	ok(has("10.1.2.3/16", "10.1.200.1") && !has("10.1.2.3/16", "10.2.2.3"),
	   "host bits of the prefix are not looked at");
	ok(has("0.0.0.0/0", "192.0.2.1") && !has("0.0.0.0/0", "::1") &&
	   has("::/0", "::ffff:10.0.0.1") && !has("10.0.0.0/8", "::ffff:10.0.0.1"),
	   "a family's default holds its whole family only, mapped IPv4 is IPv6");
	ok(has("10.0.0.1/32", "10.0.0.1") && !has("10.0.0.1/32", "10.0.0.2") &&
	   has("10.0.0.1", "10.0.0.1"),
	   "a host prefix holds its address only");
	memset(&p, 0, sizeof(p));
	memset(&a, 0, sizeof(a));
	ok(!xc_prefix_has(&p, &a), "an empty prefix (no family) holds nothing, not even no address");
	return tap_done();
}
