// SPDX-License-Identifier: GPL-2.0
/*
 * xcloud-eip: the EIP agents' steps one at a time, for tests, the demo and
 * operators (xcloudd runs the same library calls from the store).
 *
 *   xcloud-eip bird -s SOCKET -c CONFIG -f INCLUDE [PREFIX...]
 *	make BIRD announce exactly PREFIX... (pools on the aggregation node,
 *	EIP/32 and /128 on a virtual router)
 *   xcloud-eip nat [EIP=PRIVATE...]
 *	1:1 NAT table of a virtual router, in the current network namespace
 *   xcloud-eip nat-remove
 *   xcloud-eip routes -d DEVICE [EIP=NODE...]
 *	`eip` entries of the aggregation node's xcloud device
 *   xcloud-eip pools -d DEVICE [PREFIX...]
 *	kernel routes sending the pools into that device
 *   xcloud-eip -V | --version
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eip.h"

#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

static int usage(void)
{
	fprintf(stderr,
		"usage: xcloud-eip bird -s SOCKET -c CONFIG -f INCLUDE [PREFIX...]\n"
		"       xcloud-eip nat [EIP=PRIVATE...]\n"
		"       xcloud-eip nat-remove\n"
		"       xcloud-eip routes -d DEVICE [EIP=NODE...]\n"
		"       xcloud-eip pools -d DEVICE [PREFIX...]\n"
		"       xcloud-eip -V | --version\n");
	return 2;
}

static int fail(const char *what, int err, const char *msg)
{
	fprintf(stderr, "xcloud-eip: %s: %s%s%s\n", what, strerror(-err),
		msg && *msg ? ": " : "", msg ? msg : "");
	return 1;
}

/* "A=B" into two addresses. */
static int parse_pair(const char *s, struct xc_addr *a, struct xc_addr *b)
{
	char buf[2 * INET6_ADDRSTRLEN + 2], *eq;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	eq = strchr(buf, '=');
	if (!eq)
		return -EINVAL;
	*eq = '\0';
	if (xc_addr_parse(buf, a) || xc_addr_parse(eq + 1, b))
		return -EINVAL;
	return 0;
}

static int cmd_bird(int argc, char **argv)
{
	struct eip_bird b = { 0 };
	struct xc_prefix *p;
	char msg[512];
	bool changed;
	int opt, i, err;

	while ((opt = getopt(argc, argv, "s:c:f:t:")) != -1) {
		switch (opt) {
		case 's': b.socket = optarg; break;
		case 'c': b.config = optarg; break;
		case 'f': b.include = optarg; break;
		case 't': b.timeout_ms = atoi(optarg); break;
		default: return usage();
		}
	}
	if (!b.socket || !b.config || !b.include)
		return usage();
	p = calloc(argc - optind + 1, sizeof(*p));
	if (!p)
		return 1;
	for (i = optind; i < argc; i++) {
		if (eip_prefix_parse(argv[i], &p[i - optind])) {
			fprintf(stderr, "xcloud-eip: bad prefix %s\n", argv[i]);
			free(p);
			return 2;
		}
	}
	err = eip_bird_sync(&b, p, argc - optind, &changed, msg, sizeof(msg));
	free(p);
	if (err)
		return fail("bird", err, msg);
	return 0;
}

static int read_records(int argc, char **argv, struct eip_record **out,
			bool node)
{
	struct eip_record *r = calloc(argc + 1, sizeof(*r));
	int i;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		if (parse_pair(argv[i], &r[i].eip,
			       node ? &r[i].router_node : &r[i].private_addr)) {
			fprintf(stderr, "xcloud-eip: bad pair %s\n", argv[i]);
			free(r);
			return -EINVAL;
		}
	}
	*out = r;
	return 0;
}

static int cmd_nat(int argc, char **argv)
{
	struct eip_record *r;
	char msg[1024] = "";
	int err = read_records(argc - 1, argv + 1, &r, false);

	if (err)
		return 2;
	err = eip_nat_apply(r, argc - 1, msg, sizeof(msg));
	free(r);
	return err ? fail("nat", err, msg) : 0;
}

static int cmd_routes(int argc, char **argv)
{
	struct eip_dp_xcloud x = { 0 };
	struct eip_dp dp = { &eip_dp_xcloud_ops, &x };
	struct eip_agg_stats st;
	struct eip_record *r;
	struct xc_link l;
	const char *dev = NULL;
	int opt, err;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return usage();
		dev = optarg;
	}
	if (!dev)
		return usage();
	if (read_records(argc - optind, argv + optind, &r, true))
		return 2;
	err = xc_open(&x.h);
	if (err) {
		free(r);
		return fail("routes", err, NULL);
	}
	err = xc_link_get(x.h, dev, &l);
	if (!err) {
		x.ifindex = l.ifindex;
		err = eip_agg_sync_routes(&dp, r, argc - optind, &st);
	}
	if (err)
		fail("routes", err, xc_errmsg(x.h));
	else
		printf("eip routes: %u added, %u moved, %u removed, %u kept\n",
		       st.added, st.replaced, st.removed, st.kept);
	xc_close(x.h);
	free(r);
	return err ? 1 : 0;
}

static int cmd_pools(int argc, char **argv)
{
	struct xc_prefix p[EIP_MAX_POOLS];
	bool refused[EIP_MAX_POOLS];
	char buf[INET6_ADDRSTRLEN + 5];
	const char *dev = NULL;
	unsigned int ifindex;
	int opt, i, n, err;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return usage();
		dev = optarg;
	}
	n = argc - optind;
	if (!dev || n > EIP_MAX_POOLS)
		return usage();
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return fail("pools", -errno, dev);
	for (i = 0; i < n; i++) {
		if (eip_prefix_parse(argv[optind + i], &p[i])) {
			fprintf(stderr, "xcloud-eip: bad prefix %s\n", argv[optind + i]);
			return 2;
		}
	}
	err = eip_agg_sync_pool_routes(ifindex, p, n, refused);
	if (err)
		return fail("pools", err, NULL);
	for (i = 0; i < n; i++) {
		if (!refused[i])
			continue;
		fprintf(stderr, "xcloud-eip: pools: %s has a route of another owner in the main table; left alone\n",
			eip_prefix_str(&p[i], buf, sizeof(buf)));
		err = 1;
	}
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	char msg[1024] = "";
	int err;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("xcloud-eip %s\n", XCLOUD_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "bird"))
		return cmd_bird(argc - 1, argv + 1);
	if (!strcmp(argv[1], "nat"))
		return cmd_nat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "nat-remove")) {
		err = eip_nat_remove(msg, sizeof(msg));
		return err ? fail("nat-remove", err, msg) : 0;
	}
	if (!strcmp(argv[1], "routes"))
		return cmd_routes(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pools"))
		return cmd_pools(argc - 1, argv + 1);
	return usage();
}
