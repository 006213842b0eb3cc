// SPDX-License-Identifier: GPL-2.0
/*
 * Requests of the xcloud genl family: every command, built from the uapi
 * attributes, mutated at msg.mut percent per attribute, plus whole-message
 * faults (unknown commands, a dump of a do-only command, a cut header,
 * reserved bits, trailing bytes, stray attributes, huge batches).
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/xcloud.h>
#include <string.h>

#include "nlfuzz.h"
#include "rng.h"

/* Which commands have a dump, which a do (kmod/netlink.c's ops). */
static bool has_dump(uint8_t cmd)
{
	return cmd == XCLOUD_CMD_DEV_GET || cmd == XCLOUD_CMD_ROUTE_GET ||
	       cmd == XCLOUD_CMD_TUNNEL_GET || cmd == XCLOUD_CMD_ALLOW_GET ||
	       cmd == XCLOUD_CMD_NHGROUP_GET;
}

static bool has_do(uint8_t cmd)
{
	if (cmd >= XCLOUD_CMD_NHGROUP_NEW && cmd <= XCLOUD_CMD_NHGROUP_FLUSH)
		return cmd != XCLOUD_CMD_NHGROUP_GET;
	return cmd >= XCLOUD_CMD_DEV_GET && cmd <= XCLOUD_CMD_STATS_GET &&
	       cmd != XCLOUD_CMD_TUNNEL_GET && cmd != XCLOUD_CMD_ALLOW_GET;
}

static size_t genl_hdr(struct nlfuzz *f, struct msg *m, uint8_t cmd,
		       uint16_t flags)
{
	struct genlmsghdr g = { .cmd = cmd, .version = XCLOUD_GENL_VERSION };
	size_t off = msg_hdr(m, f->family, flags, ++f->seq);

	msg_raw(m, &g, sizeof(g));
	return off;
}

/* An address: an inner prefix's (masked later) or an underlay one. */
static void make_addr(uint8_t *a, bool v6, int kind)
{
	static const uint8_t odd4[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 224, 0, 0, 1 },
		{ 127, 0, 0, 1 }, { 0, 1, 2, 3 },
	};
	static const uint8_t odd6[][16] = {
		{ 0 }, { [15] = 1 }, { 0xff, 0x02, [15] = 1 },
		{ 0xfe, 0x80, [15] = 1 }, { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 },
	};

	memset(a, 0, 16);
	if (chance(5)) {
		if (v6)
			memcpy(a, odd6[rnd(5)], 16);
		else
			memcpy(a, odd4[rnd(5)], 4);
		return;
	}
	if (!v6) {
		a[0] = kind == ADDR_INNER ? 10 : 192;
		a[1] = kind == ADDR_INNER ? (uint8_t)rnd(4) : 0;
		a[2] = kind == ADDR_INNER ? (uint8_t)rnd(256) : 2;
		a[3] = (uint8_t)(1 + rnd(20));
		return;
	}
	a[0] = kind == ADDR_INNER ? 0xfd : 0x20;
	a[1] = kind == ADDR_INNER ? 0 : 0x01;
	a[2] = kind == ADDR_INNER ? 0 : 0x0d;
	a[3] = kind == ADDR_INNER ? (uint8_t)rnd(4) : 0xb8;
	a[5] = (uint8_t)rnd(256);
	a[15] = (uint8_t)(1 + rnd(20));
}

static void mask(uint8_t *a, unsigned int len, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (plen >= 8)
			plen -= 8;
		else {
			a[i] &= (uint8_t)(0xff00 >> plen);
			plen = 0;
		}
	}
}

void put_addr(struct msg *m, uint16_t type, bool v6, int kind)
{
	uint8_t a[16];

	make_addr(a, v6, kind);
	msg_attr(m, type, a, v6 ? 16 : 4);
}

/* A prefix: address then prefix length, host bits clear unless mutated. */
static void put_prefix(struct msg *m, uint16_t addr_type, uint16_t plen_type)
{
	bool v6 = chance(40);
	unsigned int bits = v6 ? 128 : 32;
	uint32_t plen = pick_u32(m, v6 ? 48 : 16, bits);
	uint8_t a[16];

	make_addr(a, v6, ADDR_INNER);
	if (!m->mut || !chance(m->mut))
		mask(a, v6 ? 16 : 4, plen > bits ? bits : plen);
	msg_attr(m, addr_type, a, v6 ? 16 : 4);
	if (!chance(10))
		msg_u8(m, plen_type, (uint8_t)plen);
}

static void put_dev(struct nlfuzz *f, struct msg *m)
{
	unsigned int i = rnd(2), pick = rnd(20);
	uint32_t ifindex = f->fz_ifindex[i];

	if (m->mut && chance(m->mut)) {
		switch (rnd(4)) {
		case 0:
			ifindex = 0;
			break;
		case 1:
			ifindex = f->other_ifindex;
			break;
		case 2:
			ifindex = (uint32_t)rnd64();
			break;
		default:
			ifindex = 1;	/* loopback */
			break;
		}
		if (ifindex == f->ctl_ifindex)
			ifindex = f->fz_ifindex[i];
	}
	if (pick < 13) {
		msg_u32(m, XCLOUD_A_IFINDEX, ifindex);
	} else if (pick < 17) {
		msg_str(m, XCLOUD_A_IFNAME, f->fz_name[i]);
	} else if (pick < 19) {
		msg_u32(m, XCLOUD_A_IFINDEX, ifindex);
		msg_str(m, XCLOUD_A_IFNAME, f->fz_name[rnd(2)]);
	}
	/* else: no device at all */
}

static void put_routes(struct msg *m, unsigned int n, bool full)
{
	size_t routes = msg_nest_begin(m, XCLOUD_A_ROUTES);
	unsigned int i, j, nh;

	for (i = 0; i < n; i++) {
		size_t route = msg_nest_begin(m, XCLOUD_A_ROUTE);

		put_prefix(m, XCLOUD_ROUTE_A_DST, XCLOUD_ROUTE_A_PREFIXLEN);
		if (full || chance(m->mut)) {
			size_t nhs;
			bool v6 = chance(30);

			msg_u8(m, XCLOUD_ROUTE_A_TYPE,
			       (uint8_t)pick_u32(m, XCLOUD_ROUTE_GATEWAY,
						 XCLOUD_ROUTE_MAX));
			nh = chance(5) ? rnd(12) : 1 + rnd(3);
			nhs = msg_nest_begin(m, XCLOUD_ROUTE_A_NEXTHOPS);
			for (j = 0; j < nh; j++)
				put_addr(m, XCLOUD_ROUTE_A_NEXTHOP, v6,
					 ADDR_UNDERLAY);
			msg_nest_end(m, nhs);
		}
		/* A next-hop group, alone or (refused) with next hops. */
		if (chance(full ? 20 : m->mut))
			msg_u32(m, XCLOUD_ROUTE_A_NHID, pick_u32(m, 1, 4));
		msg_nest_end(m, route);
	}
	msg_nest_end(m, routes);
}

static void put_tunnels(struct msg *m, unsigned int n)
{
	size_t tunnels = msg_nest_begin(m, XCLOUD_A_TUNNELS);
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t t = msg_nest_begin(m, XCLOUD_A_TUNNEL);

		put_addr(m, XCLOUD_TUNNEL_A_REMOTE, chance(30), ADDR_UNDERLAY);
		if (chance(m->mut))	/* output-only attributes */
			msg_u32(m, (uint16_t)(XCLOUD_TUNNEL_A_FLAGS + rnd(9)),
				(uint32_t)rnd64());
		msg_nest_end(m, t);
	}
	msg_nest_end(m, tunnels);
}

static void put_allowed(struct msg *m, unsigned int n)
{
	size_t allowed = msg_nest_begin(m, XCLOUD_A_ALLOWED);
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t p = msg_nest_begin(m, XCLOUD_A_PREFIX);

		put_prefix(m, XCLOUD_PREFIX_A_ADDR, XCLOUD_PREFIX_A_PREFIXLEN);
		msg_nest_end(m, p);
	}
	msg_nest_end(m, allowed);
}

static void put_nhgroups(struct msg *m, unsigned int n, bool full)
{
	size_t groups = msg_nest_begin(m, XCLOUD_A_NHGROUPS);
	unsigned int i, j, k;

	for (i = 0; i < n; i++) {
		size_t g = msg_nest_begin(m, XCLOUD_A_NHGROUP);

		if (!chance(2))
			msg_u32(m, XCLOUD_NHGROUP_A_ID, pick_u32(m, 1, 4));
		if (chance(full ? 50 : m->mut))
			msg_u8(m, XCLOUD_NHGROUP_A_TYPE,
			       (uint8_t)pick_u32(m, XCLOUD_ROUTE_GATEWAY,
						 XCLOUD_ROUTE_MAX));
		if (full || chance(m->mut)) {
			size_t members = msg_nest_begin(m,
							XCLOUD_NHGROUP_A_MEMBERS);
			bool v6 = chance(30);

			k = chance(5) ? rnd(12) : 1 + rnd(3);
			for (j = 0; j < k; j++)
				put_addr(m, XCLOUD_NHGROUP_A_MEMBER, v6,
					 ADDR_UNDERLAY);
			msg_nest_end(m, members);
		}
		if (chance(m->mut))	/* output only: refused */
			msg_u32(m, XCLOUD_NHGROUP_A_ROUTES, (uint32_t)rnd64());
		msg_nest_end(m, g);
	}
	msg_nest_end(m, groups);
}

/* How many entries a request carries: mostly a few, now and then many. */
static unsigned int batch_size(void)
{
	if (chance(1))
		return 200 + rnd(3000);
	if (chance(5))
		return rnd(300);
	return 1 + rnd(4);
}

void genl_fuzz(struct nlfuzz *f, struct msg *m, uint16_t flags, bool *dump)
{
	static const uint8_t cmds[] = {
		XCLOUD_CMD_DEV_GET, XCLOUD_CMD_ROUTE_NEW, XCLOUD_CMD_ROUTE_DEL,
		XCLOUD_CMD_ROUTE_GET, XCLOUD_CMD_ROUTE_FLUSH,
		XCLOUD_CMD_TUNNEL_NEW, XCLOUD_CMD_TUNNEL_DEL,
		XCLOUD_CMD_TUNNEL_GET, XCLOUD_CMD_ALLOW_NEW,
		XCLOUD_CMD_ALLOW_DEL, XCLOUD_CMD_ALLOW_GET,
		XCLOUD_CMD_STATS_GET, XCLOUD_CMD_NHGROUP_NEW,
		XCLOUD_CMD_NHGROUP_DEL, XCLOUD_CMD_NHGROUP_GET,
		XCLOUD_CMD_NHGROUP_FLUSH,
	};
	uint8_t cmd = cmds[rnd(sizeof(cmds))];
	size_t off;

	/* Commands the genl core refuses: none, the event, past the end. */
	if (chance(2)) {
		static const uint8_t bad[] = {
			XCLOUD_CMD_UNSPEC, XCLOUD_CMD_MISS,
			XCLOUD_CMD_TUNNEL_STATE, __XCLOUD_CMD_MAX, 0xff,
		};

		cmd = bad[rnd(sizeof(bad))];
		m->core = true;
	}
	*dump = has_dump(cmd) && (!has_do(cmd) || chance(40));
	if (chance(2))		/* a dump of a do-only command, or the reverse */
		*dump = !*dump;
	if ((*dump && !has_dump(cmd)) || (!*dump && !has_do(cmd)))
		m->core = true;
	if (*dump)
		flags |= NLM_F_DUMP;
	off = genl_hdr(f, m, cmd, flags);
	if (chance(1)) {	/* genlmsghdr.reserved set: extack */
		m->p[off + NLMSG_HDRLEN + 2] = 1;
		m->mutations++;
	}

	if (!chance(3))
		put_dev(f, m);
	switch (cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
	case XCLOUD_CMD_ROUTE_DEL:
		if (!chance(3))
			put_routes(m, batch_size(), cmd == XCLOUD_CMD_ROUTE_NEW);
		if (chance(20))
			msg_flag(m, XCLOUD_A_REPLACE);
		break;
	case XCLOUD_CMD_ROUTE_GET:
		if (*dump)
			break;
		if (chance(50))
			put_addr(m, XCLOUD_A_DST, chance(40), ADDR_INNER);
		else
			put_routes(m, chance(90) ? 1 : rnd(3), false);
		break;
	case XCLOUD_CMD_TUNNEL_NEW:
	case XCLOUD_CMD_TUNNEL_DEL:
		if (!chance(3))
			put_tunnels(m, chance(3) ? 250 + rnd(20) : batch_size());
		break;
	case XCLOUD_CMD_ALLOW_NEW:
	case XCLOUD_CMD_ALLOW_DEL:
		if (!chance(3))
			put_allowed(m, batch_size());
		break;
	case XCLOUD_CMD_NHGROUP_NEW:
	case XCLOUD_CMD_NHGROUP_DEL:
		if (!chance(3))
			put_nhgroups(m, batch_size(),
				     cmd == XCLOUD_CMD_NHGROUP_NEW);
		if (chance(20))
			msg_flag(m, XCLOUD_A_REPLACE);
		break;
	default:
		break;
	}
	/* An attribute of another command (strict policies refuse it). */
	if (chance(m->mut / 2))
		msg_u32(m, (uint16_t)rnd(XCLOUD_A_MAX + 4), (uint32_t)rnd64());
	if (chance(1))
		msg_garbage(m);
	msg_hdr_end(m, off);
	if (chance(1)) {	/* cut inside the genl header: the core's -EINVAL */
		((struct nlmsghdr *)(m->p + off))->nlmsg_len =
			NLMSG_HDRLEN + rnd(GENL_HDRLEN);
		m->len = off + NLMSG_ALIGN(NLMSG_HDRLEN + GENL_HDRLEN);
		m->core = true;
	}
}

/* ---- the positive control: valid requests on the control device ---- */

static void track_pick(struct track *t, unsigned int i, uint8_t *addr,
		       uint8_t *len, uint8_t *plen)
{
	memcpy(addr, t->addr[i], 16);
	*len = t->len[i];
	*plen = t->plen[i];
}

static int track_find(const struct track *t, const uint8_t *addr,
		      uint8_t len, uint8_t plen)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->len[i] == len && t->plen[i] == plen &&
		    !memcmp(t->addr[i], addr, len))
			return (int)i;
	return -1;
}

void track_commit(struct nlfuzz *f)
{
	struct track *t = f->pending.t;
	int i;

	if (!t)
		return;
	i = track_find(t, f->pending.addr, f->pending.len, f->pending.plen);
	if (f->pending.add && i < 0 && t->n < TRACK_MAX) {
		memcpy(t->addr[t->n], f->pending.addr, 16);
		t->len[t->n] = f->pending.len;
		t->plen[t->n] = f->pending.plen;
		t->n++;
	} else if (!f->pending.add && i >= 0) {
		t->n--;
		memcpy(t->addr[i], t->addr[t->n], 16);
		t->len[i] = t->len[t->n];
		t->plen[i] = t->plen[t->n];
	}
	f->pending.t = NULL;
}

/* A new entry for @t, not in it yet; false if none was found. */
static bool fresh(struct track *t, bool underlay, uint8_t *addr, uint8_t *len,
		  uint8_t *plen)
{
	unsigned int tries;

	for (tries = 0; tries < 16; tries++) {
		bool v6 = chance(40);

		memset(addr, 0, 16);
		*len = v6 ? 16 : 4;
		if (underlay) {
			addr[0] = v6 ? 0x20 : 198;
			addr[1] = v6 ? 0x01 : 51;
			addr[2] = (uint8_t)rnd(256);
			addr[*len - 1] = (uint8_t)(1 + rnd(254));
			*plen = v6 ? 128 : 32;
		} else {
			addr[0] = v6 ? 0xfd : 10;
			addr[1] = (uint8_t)(100 + rnd(100));
			addr[2] = (uint8_t)rnd(256);
			addr[3] = (uint8_t)rnd(256);
			*plen = (uint8_t)(v6 ? 64 + rnd(65) : 16 + rnd(17));
			mask(addr, *len, *plen);
		}
		if (track_find(t, addr, *len, *plen) < 0)
			return true;
	}
	return false;
}

static void put_nexthops(struct msg *m)
{
	size_t nhs = msg_nest_begin(m, XCLOUD_ROUTE_A_NEXTHOPS);
	unsigned int i, n = 1 + rnd(3);
	uint8_t a[4] = { 192, 0, 2, 0 };

	for (i = 0; i < n; i++) {
		a[3] = (uint8_t)(1 + i * 50 + rnd(50));
		msg_attr(m, XCLOUD_ROUTE_A_NEXTHOP, a, 4);
	}
	msg_nest_end(m, nhs);
}

/* One entry (route, tunnel or prefix) as @cmd takes it. */
static void put_entry(struct msg *m, uint8_t cmd, const uint8_t *addr,
		      uint8_t len, uint8_t plen)
{
	size_t outer, inner;

	switch (cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
	case XCLOUD_CMD_ROUTE_DEL:
	case XCLOUD_CMD_ROUTE_GET:
		outer = msg_nest_begin(m, XCLOUD_A_ROUTES);
		inner = msg_nest_begin(m, XCLOUD_A_ROUTE);
		msg_attr(m, XCLOUD_ROUTE_A_DST, addr, len);
		msg_u8(m, XCLOUD_ROUTE_A_PREFIXLEN, plen);
		if (cmd == XCLOUD_CMD_ROUTE_NEW) {
			msg_u8(m, XCLOUD_ROUTE_A_TYPE,
			       (uint8_t)(XCLOUD_ROUTE_GATEWAY + rnd(3)));
			put_nexthops(m);
		}
		break;
	case XCLOUD_CMD_TUNNEL_NEW:
	case XCLOUD_CMD_TUNNEL_DEL:
		outer = msg_nest_begin(m, XCLOUD_A_TUNNELS);
		inner = msg_nest_begin(m, XCLOUD_A_TUNNEL);
		msg_attr(m, XCLOUD_TUNNEL_A_REMOTE, addr, len);
		break;
	default:
		outer = msg_nest_begin(m, XCLOUD_A_ALLOWED);
		inner = msg_nest_begin(m, XCLOUD_A_PREFIX);
		msg_attr(m, XCLOUD_PREFIX_A_ADDR, addr, len);
		msg_u8(m, XCLOUD_PREFIX_A_PREFIXLEN, plen);
		break;
	}
	msg_nest_end(m, inner);
	msg_nest_end(m, outer);
}

/*
 * A request that must succeed: add an entry not there yet, remove or get
 * one that is, or a read. f->pending says what the track gains or loses.
 */
void genl_valid(struct nlfuzz *f, struct msg *m, uint16_t flags, bool *dump)
{
	static const uint8_t add_cmd[] = {
		XCLOUD_CMD_ROUTE_NEW, XCLOUD_CMD_TUNNEL_NEW, XCLOUD_CMD_ALLOW_NEW,
	};
	struct track *tracks[] = { &f->routes, &f->tunnels, &f->allowed };
	unsigned int k = rnd(3), pick = rnd(10);
	struct track *t = tracks[k];
	uint8_t cmd, addr[16], len, plen;
	size_t off;

	m->mut = 0;
	*dump = false;
	f->pending.t = NULL;
	if (pick < 2) {		/* reads */
		static const uint8_t reads[] = {
			XCLOUD_CMD_DEV_GET, XCLOUD_CMD_STATS_GET,
			XCLOUD_CMD_ROUTE_GET, XCLOUD_CMD_TUNNEL_GET,
			XCLOUD_CMD_ALLOW_GET,
		};

		cmd = reads[rnd(5)];
		*dump = cmd != XCLOUD_CMD_STATS_GET &&
			(cmd >= XCLOUD_CMD_ROUTE_GET || chance(50));
		off = genl_hdr(f, m, cmd, flags | (*dump ? NLM_F_DUMP : 0));
		if (cmd != XCLOUD_CMD_DEV_GET || !*dump)
			msg_u32(m, XCLOUD_A_IFINDEX, f->ctl_ifindex);
		msg_hdr_end(m, off);
		return;
	}
	if (pick < 6 && t->n < TRACK_MAX &&
	    fresh(t, k == 1, addr, &len, &plen)) {
		cmd = add_cmd[k];
		f->pending.add = true;
	} else if (t->n) {
		track_pick(t, rnd(t->n), addr, &len, &plen);
		cmd = add_cmd[k] + 1;	/* the matching _DEL */
		f->pending.add = false;
		if (k == 0 && chance(30)) {	/* or an exact ROUTE_GET */
			cmd = XCLOUD_CMD_ROUTE_GET;
			t = NULL;
		}
	} else {
		cmd = XCLOUD_CMD_DEV_GET;
		t = NULL;
	}
	off = genl_hdr(f, m, cmd, flags);
	msg_u32(m, XCLOUD_A_IFINDEX, f->ctl_ifindex);
	if (cmd != XCLOUD_CMD_DEV_GET)
		put_entry(m, cmd, addr, len, plen);
	if (cmd == XCLOUD_CMD_ROUTE_NEW && chance(30))
		msg_flag(m, XCLOUD_A_REPLACE);
	msg_hdr_end(m, off);
	if (t) {
		f->pending.t = t;
		memcpy(f->pending.addr, addr, 16);
		f->pending.len = len;
		f->pending.plen = plen;
	}
}
