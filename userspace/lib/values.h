/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses in the store's values, the one rule the coordinator that
 * writes them and the agents that read them share (values.c): each is one
 * host, and a next-hop group ("gateways") is 1..max distinct such hosts,
 * max being the kernel's XCLOUD_MAX_NEXTHOPS for a group. No kernel
 * involved; needs json-c.
 */
#ifndef XC_VALUES_H
#define XC_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include "libxcloud.h"

struct json_object;

/* Not unspecified, multicast or IPv4 broadcast. */
bool xc_addr_unicast(const struct xc_addr *a);
/* Family, then bytes: the order of a group's members. */
int xc_addr_cmp(const struct xc_addr *a, const struct xc_addr *b);
/* @v a JSON string of a unicast address, into @out; NULL or why not. */
const char *xc_unicast_parse(struct json_object *v, struct xc_addr *out);
/*
 * @arr a JSON array of 1..@max distinct unicast addresses, into @out
 * (sorted, *n of them); NULL, or why it is not one. A longer list is
 * refused, not cut: a reader cannot tell which members were meant.
 */
const char *xc_gateways_parse(struct json_object *arr, struct xc_addr *out,
			      unsigned int max, unsigned int *n);
/*
 * The group a writer makes of @n unicast addresses @a: sorted, each once,
 * the first @max of them (in place); returns how many it keeps, and how
 * many distinct ones it leaves out in *left.
 */
size_t xc_gateways_pick(struct xc_addr *a, size_t n, unsigned int max,
			size_t *left);

#endif
