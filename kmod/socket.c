// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets shared by the devices of a namespace: one per (port,
 * family), bound to the wildcard address, created when the first device
 * on it opens and released when the last one closes. Received packets
 * find their device by VNI in the socket's hash.
 *
 * Writers (open/close) hold RTNL. Readers (the receive path) reach a
 * socket through sk_user_data and a device through the VNI hash under
 * RCU; the transmit path reaches a socket through xd->sock4/sock6 under
 * RCU. udp_tunnel_sock_release() waits for a grace period after clearing
 * sk_user_data, and the xcloud_sock itself is freed after another.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "addr.h"
#include "encap.h"
#include "peer.h"
#include "receive.h"
#include "socket.h"
#include "xcloud.h"

/* encap_type 1: any non-zero value routes packets to encap_rcv. */
#define XCLOUD_UDP_ENCAP_TYPE 1

/*
 * An ICMP error quoting a packet sent from @sk's port: 0 claims it, so
 * that the UDP core lowers the underlay route's path MTU (it drops an
 * unclaimed ICMPv6 packet too big, and IPv6 routers never fragment:
 * a black hole). Ours is a GENEVE header the receive path would accept,
 * a VNI bound on this socket and a peer of that device at the quoted
 * destination; anything else is left alone. Under rcu_read_lock(), the
 * network header at the quoted IP header, the transport header at its
 * UDP header.
 */
static int xcloud_udp_encap_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	unsigned int off = skb_transport_offset(skb) + sizeof(struct udphdr);
	struct xcloud_geneve_info gi;
	struct xcloud_addr remote;
	struct xcloud_sock *xs;
	struct xcloud_dev *xd;
	unsigned int avail;

	if (skb->len < off + XCLOUD_GENEVE_HLEN)
		return -EINVAL;
	avail = min_t(unsigned int, skb->len - off, XCLOUD_GENEVE_MAX_HLEN);
	if (!pskb_may_pull(skb, off + avail) ||
	    xcloud_geneve_parse(skb->data + off, avail, &gi))
		return -EINVAL;
	xs = rcu_dereference_sk_user_data(sk);
	xd = xs ? xcloud_sock_lookup_vni(xs, gi.vni) : NULL;
	if (!xd)
		return -ENOENT;
	if (xs->family == AF_INET)
		xcloud_addr_set4(&remote, ip_hdr(skb)->daddr);
	else
		xcloud_addr_set6(&remote, &ipv6_hdr(skb)->daddr);
	return xcloud_peer_lookup(&xd->peers, &remote) ? 0 : -ENOENT;
}

static struct xcloud_sock *xcloud_sock_create(struct net *net, __be16 port,
					      u16 family)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {};
	struct udp_port_cfg udp_conf = {};
	struct xcloud_sock *xs;
	struct socket *sock;
	int ret;

	xs = kzalloc(sizeof(*xs), GFP_KERNEL);
	if (!xs)
		return ERR_PTR(-ENOMEM);

	udp_conf.family = family;
	udp_conf.local_udp_port = port;
	if (family == AF_INET6) {
		udp_conf.ipv6_v6only = 1;
		udp_conf.use_udp6_rx_checksums = 1;
		udp_conf.use_udp6_tx_checksums = 1;
	} else {
		udp_conf.use_udp_checksums = 1;
	}
	ret = udp_sock_create(net, &udp_conf, &sock);
	if (ret) {
		kfree(xs);
		return ERR_PTR(ret);
	}

	xs->sock = sock;
	xs->port = port;
	xs->family = family;
	hash_init(xs->vni_hash);

	tunnel_cfg.sk_user_data = xs;
	tunnel_cfg.encap_type = XCLOUD_UDP_ENCAP_TYPE;
	tunnel_cfg.encap_rcv = xcloud_udp_encap_recv;
	tunnel_cfg.encap_err_lookup = xcloud_udp_encap_err_lookup;
	setup_udp_tunnel_sock(net, sock, &tunnel_cfg);
	return xs;
}

static struct xcloud_sock *xcloud_sock_find(struct xcloud_net *xn,
					    __be16 port, u16 family)
{
	struct xcloud_sock *xs;

	list_for_each_entry(xs, &xn->socks, list)
		if (xs->port == port && xs->family == family)
			return xs;
	return NULL;
}

/*
 * Can a socket of @family bind @port in @net? Binds one like
 * xcloud_sock_create() would and releases it at once (no UDP socket
 * lingers). 0 if an xcloud socket is already there.
 */
static int xcloud_sock_probe(struct net *net, __be16 port, u16 family)
{
	struct udp_port_cfg udp_conf = {};
	struct socket *sock;
	int ret;

	if (xcloud_sock_find(xcloud_pernet(net), port, family))
		return 0;
	udp_conf.family = family;
	udp_conf.local_udp_port = port;
	if (family == AF_INET6)
		udp_conf.ipv6_v6only = 1;
	ret = udp_sock_create(net, &udp_conf, &sock);
	if (ret)
		return ret;
	sock_release(sock);
	return 0;
}

int xcloud_sock_check_port(struct net *net, __be16 port, u16 family,
			   const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	int ret = 0;

	ASSERT_RTNL();
	if (family != AF_INET6)
		ret = xcloud_sock_probe(net, port, AF_INET);
	if (ret != -EADDRINUSE && family != AF_INET && ipv6_mod_enabled())
		ret = xcloud_sock_probe(net, port, AF_INET6);
	if (ret != -EADDRINUSE)
		return 0;	/* other errors are ndo_open's to report */
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "UDP port is in use by another socket in this namespace (OVS/OVN's GENEVE uses 6081): choose another port");
	return -EADDRINUSE;
}

/* The namespace's socket for (@port, @family), created if needed. */
static struct xcloud_sock *xcloud_sock_get(struct net *net, __be16 port,
					   u16 family)
{
	struct xcloud_net *xn = xcloud_pernet(net);
	struct xcloud_sock *xs;

	ASSERT_RTNL();
	xs = xcloud_sock_find(xn, port, family);
	if (xs) {
		xs->users++;
		return xs;
	}
	xs = xcloud_sock_create(net, port, family);
	if (IS_ERR(xs))
		return xs;
	xs->users = 1;
	list_add(&xs->list, &xn->socks);
	return xs;
}

static void xcloud_sock_put(struct xcloud_sock *xs)
{
	ASSERT_RTNL();
	if (--xs->users)
		return;
	list_del(&xs->list);
	/* Clears sk_user_data and waits for the readers that saw it. */
	udp_tunnel_sock_release(xs->sock);
	kfree_rcu(xs, rcu);
}

static int xcloud_sock_bind(struct xcloud_dev *xd, u16 family)
{
	struct xcloud_sock *xs;

	xs = xcloud_sock_get(xd->net, xd->cfg.port, family);
	if (IS_ERR(xs))
		return PTR_ERR(xs);
	if (family == AF_INET) {
		hash_add_rcu(xs->vni_hash, &xd->vni_node4, xd->cfg.vni);
		rcu_assign_pointer(xd->sock4, xs);
	} else {
		hash_add_rcu(xs->vni_hash, &xd->vni_node6, xd->cfg.vni);
		rcu_assign_pointer(xd->sock6, xs);
	}
	return 0;
}

int xcloud_sock_open(struct xcloud_dev *xd, struct netlink_ext_ack *extack)
{
	u16 family = xd->cfg.local.family;
	int ret;

	ASSERT_RTNL();
	if (family != AF_INET6) {
		ret = xcloud_sock_bind(xd, AF_INET);
		if (ret) {
			NL_SET_ERR_MSG(extack, "cannot open the IPv4 UDP socket");
			return ret;
		}
	}
	/* Without IPv6 (disabled at boot) a device with no local works on v4. */
	if (family == AF_INET || (!family && !ipv6_mod_enabled()))
		return 0;
	ret = xcloud_sock_bind(xd, AF_INET6);
	if (ret == -EAFNOSUPPORT && !family)
		return 0;
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot open the IPv6 UDP socket");
		xcloud_sock_close(xd);
	}
	return ret;
}

void xcloud_sock_close(struct xcloud_dev *xd)
{
	struct xcloud_sock *xs;

	ASSERT_RTNL();
	xs = rtnl_dereference(xd->sock4);
	if (xs) {
		hash_del_rcu(&xd->vni_node4);
		RCU_INIT_POINTER(xd->sock4, NULL);
		xcloud_sock_put(xs);
	}
	xs = rtnl_dereference(xd->sock6);
	if (xs) {
		hash_del_rcu(&xd->vni_node6);
		RCU_INIT_POINTER(xd->sock6, NULL);
		xcloud_sock_put(xs);
	}
}
