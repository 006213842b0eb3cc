// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink requests for links of kind "xcloud": RTM_NEWLINK creating a
 * device or changing one, RTM_SETLINK, RTM_DELLINK, with IFLA_LINKINFO /
 * IFLA_INFO_DATA (IFLA_XCLOUD_*) built and mutated like the genl ones.
 */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/xcloud.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "nlfuzz.h"
#include "rng.h"

static size_t link_hdr(struct nlfuzz *f, struct msg *m, uint16_t type,
		       uint16_t flags, uint32_t ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = (int)ifindex };
	size_t off = msg_hdr(m, type, flags, ++f->seq);

	msg_raw(m, &ifi, sizeof(ifi));
	return off;
}

/* Mutations inside IFLA_INFO_DATA: the only ones that are xcloud's. */
static unsigned int data_mutations;

static void nest_end_core(struct msg *m, size_t off)
{
	unsigned int before = m->mutations;

	msg_nest_end(m, off);
	if (m->mutations != before)
		m->core = true;
}

/*
 * Everything outside IFLA_INFO_DATA is rtnetlink's to check, and 6.1
 * refuses some of it without a message (IFLA_LINKINFO is parsed without
 * an extack; an unknown name is a bare -ENODEV; a stray IFLA_NET_NS_PID
 * a bare -ESRCH): a request mutated there is m->core.
 */
static void outside_data_core(struct msg *m)
{
	if (m->mutations > data_mutations)
		m->core = true;
}

static void put_data(struct nlfuzz *f, struct msg *m, bool create)
{
	size_t data = msg_nest_begin(m, IFLA_INFO_DATA);
	unsigned int before = m->mutations;
	uint8_t a[16];

	if (create || chance(20))
		msg_u32(m, IFLA_XCLOUD_VNI, pick_u32(m, 1, XCLOUD_VNI_MAX));
	if (chance(30)) {
		uint16_t port = (uint16_t)pick_u32(m, 1, 0xffff);

		if (chance(60))
			port = htons(7000 + rnd(8));
		msg_u16(m, IFLA_XCLOUD_PORT, port);
	}
	if (chance(20)) {
		put_addr(m, IFLA_XCLOUD_LOCAL, false, ADDR_UNDERLAY);
	} else if (chance(20)) {
		memset(a, 0, sizeof(a));
		a[0] = 0x20;
		a[1] = 0x01;
		a[15] = (uint8_t)rnd(4);
		msg_attr(m, IFLA_XCLOUD_LOCAL6, a, 16);
	}
	if (chance(30))
		msg_u8(m, IFLA_XCLOUD_MODE, (uint8_t)pick_u32(m, 0, XCLOUD_MODE_MAX));
	if (chance(30))
		msg_u8(m, IFLA_XCLOUD_TUNNELS,
		       (uint8_t)pick_u32(m, 0, XCLOUD_TUNNELS_MAX));
	if (chance(30))
		msg_u32(m, IFLA_XCLOUD_IDLE_TIMEOUT,
			pick_u32(m, 1, XCLOUD_MAX_IDLE_TIMEOUT));
	if (chance(20)) {
		static const int which[] = { 0, 1, 2, 3 };
		uint32_t ifindex = 0;

		switch (which[rnd(4)]) {
		case 1:
			ifindex = f->other_ifindex;
			break;
		case 2:
			ifindex = f->fz_ifindex[rnd(2)];
			break;
		case 3:
			ifindex = pick_u32(m, 1, 3);
			break;
		}
		msg_u32(m, IFLA_XCLOUD_INGRESS, ifindex);
	}
	if (chance(30))
		msg_u8(m, IFLA_XCLOUD_SOURCE_CHECK, (uint8_t)pick_u32(m, 0, 1));
	if (chance(10))
		msg_u32(m, (uint16_t)(IFLA_XCLOUD_MAX_ROUTES + rnd(3)),
			pick_u32(m, 1, XCLOUD_LIMIT_MAX));
	if (chance(25)) {
		size_t gws = msg_nest_begin(m, IFLA_XCLOUD_GATEWAYS);
		unsigned int i, n = chance(5) ? rnd(40) : rnd(4);

		for (i = 0; i < n; i++)
			put_addr(m, IFLA_XCLOUD_GATEWAY, chance(30),
				 ADDR_UNDERLAY);
		msg_nest_end(m, gws);
	}
	if (chance(m->mut / 2))
		msg_u32(m, (uint16_t)rnd(IFLA_XCLOUD_MAX + 4), (uint32_t)rnd64());
	data_mutations += m->mutations - before;
	nest_end_core(m, data);
}

/*
 * IFLA_LINKINFO is rtnetlink's: 6.1 parses it without an extack, and
 * without the kind "xcloud" the request never reaches xcloud. A mutation
 * at that level (the nest, the kind, the IFLA_INFO_DATA nest itself) is
 * a request the core refuses without a message.
 */
static void put_linkinfo(struct nlfuzz *f, struct msg *m, bool create)
{
	size_t info = msg_nest_begin(m, IFLA_LINKINFO);
	unsigned int before = m->mutations;

	msg_str(m, IFLA_INFO_KIND, "xcloud");
	if (m->mutations != before)
		m->core = true;
	if (!chance(3))
		put_data(f, m, create);
	nest_end_core(m, info);
}

static int link_find(const struct nlfuzz *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < f->nlinks; i++)
		if (!strcmp(f->links[i], name))
			return (int)i;
	return -1;
}

/*
 * NEWLINK creating a device (name from a small pool, so later requests
 * find it), changing one of the fuzz devices, or SETLINK; DELLINK of a
 * device the fuzz made. Missing devices and names taken are refused by
 * rtnetlink itself without a message: those requests are m->core.
 */
void link_fuzz(struct nlfuzz *f, struct msg *m, uint16_t flags)
{
	char name[IFNAMSIZ];
	unsigned int pick = rnd(20);
	bool exists;
	size_t off;

	f->pending_link[0] = 0;
	f->pending_link_del = false;
	data_mutations = 0;
	if (pick < 2 && f->nlinks) {
		unsigned int i = rnd(f->nlinks);

		off = link_hdr(f, m, RTM_DELLINK, flags, 0);
		msg_str(m, IFLA_IFNAME, f->links[i]);
		msg_hdr_end(m, off);
		snprintf(f->pending_link, sizeof(f->pending_link), "%s",
			 f->links[i]);
		f->pending_link_del = true;
		/* rtnetlink's own request: xcloud has no part in refusing it */
		m->core = true;
		return;
	}
	if (pick < 12) {	/* create */
		snprintf(name, sizeof(name), "fz%u", rnd(48));
		exists = link_find(f, name) >= 0;
		flags |= NLM_F_CREATE | (chance(80) ? NLM_F_EXCL : 0);
		off = link_hdr(f, m, RTM_NEWLINK, flags, 0);
		msg_str(m, IFLA_IFNAME, name);
		if (chance(3))
			msg_u32(m, IFLA_MTU, pick_u32(m, 68, 9000));
		if (chance(1))
			msg_attr(m, IFLA_ADDRESS, "\x02\0\0\0\0\1", 6);
		put_linkinfo(f, m, !exists);
		msg_hdr_end(m, off);
		if (exists)
			m->core = (flags & NLM_F_EXCL) != 0;
		else
			snprintf(f->pending_link, sizeof(f->pending_link),
				 "%s", name);
		outside_data_core(m);
		return;
	}
	/* change a fuzz device: NEWLINK without CREATE, or SETLINK */
	off = link_hdr(f, m, chance(80) ? RTM_NEWLINK : RTM_SETLINK, flags,
		       chance(50) ? f->fz_ifindex[rnd(2)] : 0);
	if (!((struct ifinfomsg *)(m->p + off + NLMSG_HDRLEN))->ifi_index)
		msg_str(m, IFLA_IFNAME, f->fz_name[rnd(2)]);
	put_linkinfo(f, m, false);
	msg_hdr_end(m, off);
	outside_data_core(m);
}

/* Create a device of a fresh VNI and port, delete it, or change one. */
void link_valid(struct nlfuzz *f, struct msg *m, uint16_t flags)
{
	size_t off, info, data;
	char name[IFNAMSIZ];

	m->mut = 0;
	f->pending_link[0] = 0;
	f->pending_link_del = false;
	if (f->nlinks && chance(50)) {
		unsigned int i;

		for (i = 0; i < f->nlinks; i++)
			if (!strncmp(f->links[i], "fzv", 3))
				break;
		if (i < f->nlinks) {
			off = link_hdr(f, m, RTM_DELLINK, flags, 0);
			msg_str(m, IFLA_IFNAME, f->links[i]);
			msg_hdr_end(m, off);
			snprintf(f->pending_link, sizeof(f->pending_link), "%s",
				 f->links[i]);
			f->pending_link_del = true;
			return;
		}
	}
	if (f->nlinks < 60 && chance(60)) {
		snprintf(name, sizeof(name), "fzv%u", f->link_serial++);
		off = link_hdr(f, m, RTM_NEWLINK,
			       flags | NLM_F_CREATE | NLM_F_EXCL, 0);
		msg_str(m, IFLA_IFNAME, name);
		info = msg_nest_begin(m, IFLA_LINKINFO);
		msg_str(m, IFLA_INFO_KIND, "xcloud");
		data = msg_nest_begin(m, IFLA_INFO_DATA);
		/* VNIs from 16000000 up: the fuzz's are random, the
		 * control's unique; the port is the control's own. */
		msg_u32(m, IFLA_XCLOUD_VNI, 16000000 + f->link_serial);
		msg_u16(m, IFLA_XCLOUD_PORT, htons(6999));
		msg_u8(m, IFLA_XCLOUD_MODE, (uint8_t)rnd(2));
		msg_nest_end(m, data);
		msg_nest_end(m, info);
		msg_hdr_end(m, off);
		snprintf(f->pending_link, sizeof(f->pending_link), "%s", name);
		return;
	}
	off = link_hdr(f, m, RTM_NEWLINK, flags, f->ctl_ifindex);
	info = msg_nest_begin(m, IFLA_LINKINFO);
	msg_str(m, IFLA_INFO_KIND, "xcloud");
	data = msg_nest_begin(m, IFLA_INFO_DATA);
	msg_u32(m, IFLA_XCLOUD_IDLE_TIMEOUT, 1 + rnd(XCLOUD_MAX_IDLE_TIMEOUT));
	msg_nest_end(m, data);
	msg_nest_end(m, info);
	msg_hdr_end(m, off);
}
