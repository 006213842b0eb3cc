// SPDX-License-Identifier: GPL-2.0
/*
 * Local delivery of a VM behind its port: a host route to the VM through
 * the port (rtnetlink, libnl-route) and proxy ARP on the port, so a VM
 * that ARPs for an address of its subnet reaches the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include "agent.h"

/* Routes xcloudd installs carry this protocol (iproute2: "proto 77"). */
#define XD_RTPROT 77

static struct nl_sock *route_sock(void)
{
	static struct nl_sock *sk;

	if (!sk) {
		sk = nl_socket_alloc();
		if (sk && nl_connect(sk, NETLINK_ROUTE)) {
			nl_socket_free(sk);
			sk = NULL;
		}
	}
	return sk;
}

static struct rtnl_route *host_route(const char *addr, int ifindex)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL;

	if (!r || !nh || nl_addr_parse(addr, AF_UNSPEC, &dst)) {
		rtnl_route_put(r);
		rtnl_route_nh_free(nh);
		return NULL;
	}
	rtnl_route_set_family(r, nl_addr_get_family(dst));
	rtnl_route_set_dst(r, dst);
	nl_addr_put(dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_protocol(r, XD_RTPROT);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	return r;
}

static int proxy_arp(const char *ifname)
{
	char path[128];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/proxy_arp",
		 ifname);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

int xd_local_install(const char *addr, int ifindex, const char *ifname)
{
	struct nl_sock *sk = route_sock();
	struct rtnl_route *r = host_route(addr, ifindex);
	int err;

	if (!sk || !r) {
		rtnl_route_put(r);
		return -ENOMEM;
	}
	err = rtnl_route_add(sk, r, NLM_F_REPLACE);
	rtnl_route_put(r);
	if (err) {
		xd_log("cannot add route %s dev %s: %s", addr, ifname,
		       nl_geterror(err));
		return -EIO;
	}
	if (!strchr(addr, ':') && (err = proxy_arp(ifname)))
		xd_log("cannot enable proxy ARP on %s: %s", ifname,
		       strerror(-err));
	return 0;
}

int xd_local_remove(const char *addr, int ifindex)
{
	struct nl_sock *sk = route_sock();
	struct rtnl_route *r = host_route(addr, ifindex);
	int err;

	if (!sk || !r) {
		rtnl_route_put(r);
		return -ENOMEM;
	}
	err = rtnl_route_delete(sk, r, 0);
	rtnl_route_put(r);
	/* Gone already (the interface went away with its routes): fine. */
	if (err && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
		return -EIO;
	return 0;
}
