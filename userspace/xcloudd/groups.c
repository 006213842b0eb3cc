// SPDX-License-Identifier: GPL-2.0
/*
 * The other clouds' gateway groups, as the store has them (switch agent):
 *
 *   <prefix>/groups/<cloud>   {"gateways": ["10.255.1.1", ...]}
 *
 * written by xcloud-coord, one per other cloud. A remote entry
 * {"cloud": S} is routed through S's group: table.c makes it one kernel
 * next-hop group per device, which every route to S's VMs names, so a
 * gateway of S joining or leaving is one key here and one group change
 * per device, whatever the number of routes.
 *
 * A value is taken only whole: an object whose "gateways" is an array of
 * 1..XCLOUD_MAX_NEXTHOPS distinct unicast addresses, under a key that is
 * a cloud name. Anything else is logged with its key and skipped: the
 * group keeps the members it had (the coordinator itself keeps a cloud's
 * last gateways when it has none left, so an empty list is not a way to
 * say "none"), and a cloud never given good members has no group (the
 * routes to its VMs wait for one; what the kernel has stays). A group
 * deleted from the store keeps its members too: its routes go with their
 * remote entries, and its kernel groups with the last of them.
 *
 * Kernel group ids are not kept anywhere: the id of cloud S is a hash of
 * its name (32-bit FNV-1a) with the top bit set, so a restarted agent
 * finds its groups under the ids it left them and adopts them without a
 * change, and ids below 2^31 stay free for groups made by hand
 * (`xcloudctl nexthop`), which the agent never touches. Two clouds whose
 * names hash alike (about one pair in 2^31) are told apart by taking the
 * next free id for the one read later, logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

struct xd_groups {
	struct xd_group *g;
	size_t n, cap;
};

static uint32_t name_id(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h | XD_GROUP_ID_MIN;
}

bool xd_group_id_ours(uint32_t id)
{
	return id >= XD_GROUP_ID_MIN;
}

struct xd_groups *xd_groups_new(void)
{
	return calloc(1, sizeof(struct xd_groups));
}

void xd_groups_free(struct xd_groups *gs)
{
	if (!gs)
		return;
	free(gs->g);
	free(gs);
}

const struct xd_group *xd_group_find(struct agent *a, const char *cloud)
{
	struct xd_groups *gs = a->groupstate;

	for (size_t i = 0; gs && i < gs->n; i++)
		if (!strcmp(gs->g[i].cloud, cloud))
			return &gs->g[i];
	return NULL;
}

const struct xd_group *xd_group_by_id(struct agent *a, uint32_t id)
{
	struct xd_groups *gs = a->groupstate;

	for (size_t i = 0; gs && i < gs->n; i++)
		if (gs->g[i].id == id)
			return &gs->g[i];
	return NULL;
}

/*
 * The members of a group value, sorted, into g; NULL, or why the value
 * is not one (lib/values.c: 1..XCLOUD_MAX_NEXTHOPS distinct unicast
 * addresses).
 */
static const char *parse_value(const char *value, struct xd_group *g)
{
	struct json_object *o = xe_json_object(value, strlen(value), NULL, 0);
	struct json_object *arr = NULL;
	const char *why;
	unsigned int n;

	g->n = 0;
	if (!o || !json_object_is_type(o, json_type_object)) {
		why = "not a JSON object";
	} else {
		json_object_object_get_ex(o, "gateways", &arr);
		why = xc_gateways_parse(arr, g->gw, XCLOUD_MAX_NEXTHOPS, &n);
		if (why && !strcmp(why, "no gateways"))
			why = "no gateways (a cloud keeps its last ones)";
		g->n = (uint8_t)n;
	}
	json_object_put(o);
	return why;
}

static struct xd_group *group_add(struct xd_groups *gs, const char *cloud)
{
	struct xd_group *g;
	uint32_t id = name_id(cloud);
	bool taken;

	if (!xd_grow((void **)&gs->g, &gs->cap, gs->n, sizeof(*gs->g)))
		return NULL;
	do {
		taken = false;
		for (size_t i = 0; i < gs->n && !taken; i++)
			taken = gs->g[i].id == id;
		if (taken) {
			xd_log(SD_WARNING "group of cloud %s: id %u is another cloud's (their names hash alike); taking the next",
			       cloud, id);
			id = id == UINT32_MAX ? XD_GROUP_ID_MIN : id + 1;
		}
	} while (taken);
	g = &gs->g[gs->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->cloud, sizeof(g->cloud), "%s", cloud);
	g->id = id;
	return g;
}

int xd_groups_update(struct agent *a, const char *key, const char *value)
{
	const char *cloud = key + strlen(a->p_groups), *why;
	struct xd_groups *gs = a->groupstate;
	struct xd_group nw, *g;
	char buf[XCLOUD_MAX_NEXTHOPS * 48], s[64];
	size_t off = 0;
	int ret = 0;

	if (!gs)
		return 0;
	if (!xe_name_ok(cloud)) {
		if (value)
			xd_log("group %s: the key does not end in a cloud name: ignored",
			       key);
		return 0;
	}
	if (!value) {
		if (xd_group_find(a, cloud))
			xd_log("group %s: gone from the store; its routes keep its last gateways until their remote entries go",
			       key);
		return 0;
	}
	why = parse_value(value, &nw);
	if (why) {
		xd_log("group %s: want {\"gateways\": [1 to %d addresses]}, got %.200s (%s): ignored, the group keeps its gateways",
		       key, XCLOUD_MAX_NEXTHOPS, value, why);
		return 0;
	}
	g = (struct xd_group *)xd_group_find(a, cloud);
	if (!g) {
		g = group_add(gs, cloud);
		if (!g)
			return -ENOMEM;
	}
	if (g->known && g->n == nw.n &&
	    !memcmp(g->gw, nw.gw, nw.n * sizeof(nw.gw[0])))
		return 0;
	ret = g->known ? XD_GROUP_CHANGED : XD_GROUP_NEW;
	g->known = true;
	g->n = nw.n;
	memcpy(g->gw, nw.gw, nw.n * sizeof(nw.gw[0]));
	buf[0] = '\0';
	for (unsigned int i = 0; i < g->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s",
					xc_addr_str(&g->gw[i], s, sizeof(s)));
	xd_log("group of cloud %s (id %u): gateways%s", cloud, g->id, buf);
	return ret;
}
