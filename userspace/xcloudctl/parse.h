/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Argument parsing of xcloudctl: keywords with unique-prefix abbreviation,
 * addresses, prefixes, numbers, route arguments and batch lines. Pure
 * functions (no netlink), unit-tested by tests/test_parse.c.
 */
#ifndef _XCLOUDCTL_PARSE_H
#define _XCLOUDCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "libxcloud.h"

struct keyword {
	const char *name;
	int id;			/* aliases share an id */
};

#define KW_UNKNOWN	(-1)
#define KW_AMBIGUOUS	(-2)

/*
 * The id of the keyword @arg names: an exact match, or else a prefix of
 * keywords that all share one id. KW_UNKNOWN or KW_AMBIGUOUS otherwise.
 */
int kw_lookup(const char *arg, const struct keyword *kw, size_t n);

int parse_addr(const char *s, struct xc_addr *a);
/* "ADDR/LEN" or "ADDR" (host route); host bits must be clear. */
int parse_prefix(const char *s, struct xc_prefix *p);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* What a route command needs beyond the prefix. */
enum route_need {
	ROUTE_NEED_NEXTHOP = 1,	/* add, replace: at least one via */
	ROUTE_NEED_ADDR = 2,	/* get: a plain address, not a prefix */
	ROUTE_DEV_OPTIONAL = 4,	/* sync's lines: the command names it */
};

/*
 * Parse "PREFIX [type T] [via ADDR]... | [nhid ID] dev DEV" into @r and @dev
 * ("" if "dev" is optional and not given). On error returns -1 and writes
 * a message (without usage) to @err.
 */
int parse_route_args(int argc, char **argv, unsigned int need,
		     struct xc_route *r, char *dev, size_t devlen,
		     char *err, size_t errlen);

/* What a nexthop command needs. */
enum nhgroup_need {
	NHGROUP_NEED_ID = 1,
	NHGROUP_NEED_MEMBER = 2,	/* add, replace: at least one via */
	NHGROUP_NEED_DEV = 4,
};

/*
 * Parse "[id ID] [type T] [via ADDR]... [dev DEV]" of a nexthop command
 * into @g and @dev (empty if not given); "via" and "type" only with
 * NHGROUP_NEED_MEMBER. On error returns -1 and writes a message to @err.
 */
int parse_nhgroup_args(int argc, char **argv, unsigned int need,
		       struct xc_nhgroup *g, char *dev, size_t devlen,
		       char *err, size_t errlen);

/*
 * Split @line in place into at most @max words: blanks separate words,
 * double quotes group, '#' starts a comment. Returns the word count, or
 * -1 on too many words or an unterminated quote.
 */
int split_line(char *line, char **argv, int max);

#endif /* _XCLOUDCTL_PARSE_H */
