// SPDX-License-Identifier: GPL-2.0
/*
 * TUNNEL_NEW, TUNNEL_DEL, TUNNEL_GET (dump), the TUNNEL_NEW, TUNNEL_DEL and
 * TUNNEL_STATE events and the MISS event.
 *
 * Requests carry XCLOUD_A_TUNNELS, a nest of XCLOUD_A_TUNNEL entries with
 * XCLOUD_TUNNEL_A_REMOTE each. Dump messages carry XCLOUD_A_IFINDEX and
 * XCLOUD_A_TUNNELS with as many entries as fit; events the same with one.
 */
#include <linux/bitops.h>
#include <linux/in.h>
#include <net/ipv6.h>

#include "addr.h"
#include "netlink.h"
#include "netlink_family.h"
#include "peer.h"
#include "xcloud.h"

/* Requests name a tunnel by its remote; the rest is output only. */
const struct nla_policy xcloud_tunnel_policy[XCLOUD_TUNNEL_A_MAX + 1] = {
	[XCLOUD_TUNNEL_A_REMOTE] = XCLOUD_ADDR_POLICY,
};

/* Resume point of a TUNNEL_GET dump, in netlink_callback::ctx. */
struct tunnel_dump_ctx {
	struct xcloud_addr next;	/* first peer of the next message */
	bool resume;
	bool done;
};

static bool remote_is_valid(const struct xcloud_addr *a)
{
	if (a->family == AF_INET)
		return !ipv4_is_zeronet(a->ip4) && !ipv4_is_multicast(a->ip4) &&
		       !ipv4_is_lbcast(a->ip4);
	return !ipv6_addr_any(&a->ip6) && !ipv6_addr_is_multicast(&a->ip6);
}

/* Parse every entry of XCLOUD_A_TUNNELS into @out (up to @max). */
static int parse_tunnels(struct genl_info *info, struct xcloud_addr *out,
			 unsigned int max, unsigned int *n)
{
	struct nlattr *tb[XCLOUD_TUNNEL_A_MAX + 1];
	struct nlattr *attr;
	int rem, err;

	*n = 0;
	if (GENL_REQ_ATTR_CHECK(info, XCLOUD_A_TUNNELS)) {
		/* nlfuzz: the missing-attribute TLV alone is no message */
		NL_SET_ERR_MSG_MOD(info->extack, "missing XCLOUD_A_TUNNELS");
		return -EINVAL;
	}
	nla_for_each_nested(attr, info->attrs[XCLOUD_A_TUNNELS], rem) {
		if (nla_type(attr) != XCLOUD_A_TUNNEL) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "expected XCLOUD_A_TUNNEL");
			return -EINVAL;
		}
		if (*n == max) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "too many tunnels in one request");
			return -E2BIG;
		}
		err = nla_parse_nested(tb, XCLOUD_TUNNEL_A_MAX, attr,
				       xcloud_tunnel_policy, info->extack);
		if (err)
			return err;
		if (!tb[XCLOUD_TUNNEL_A_REMOTE]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "tunnel needs XCLOUD_TUNNEL_A_REMOTE");
			return -EINVAL;
		}
		err = xcloud_nla_get_addr(tb[XCLOUD_TUNNEL_A_REMOTE], &out[*n],
					  info->extack);
		if (err)
			return err;
		if (!remote_is_valid(&out[*n])) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[XCLOUD_TUNNEL_A_REMOTE],
					    "remote must be a unicast address");
			return -EINVAL;
		}
		(*n)++;
	}
	if (!*n) {
		NL_SET_ERR_MSG(info->extack, "no tunnel given");
		return -EINVAL;
	}
	return 0;
}

#define TUNNELS_PER_REQUEST 256

static int tunnel_change(struct genl_info *info, bool add)
{
	struct xcloud_addr *remotes;
	struct xcloud_dev *xd;
	unsigned int i, n;
	int err;

	remotes = kcalloc(TUNNELS_PER_REQUEST, sizeof(*remotes), GFP_KERNEL);
	if (!remotes)
		return -ENOMEM;
	/* Validate the whole request before changing anything. */
	err = parse_tunnels(info, remotes, TUNNELS_PER_REQUEST, &n);
	if (err)
		goto out;

	xd = xcloud_genl_dev_lock(genl_info_net(info), info->attrs,
				  info->extack);
	if (IS_ERR(xd)) {
		err = PTR_ERR(xd);
		goto out;
	}
	for (i = 0; i < n && !err; i++) {
		if (add)
			err = xcloud_peer_add_static(&xd->peers, &remotes[i],
						     info->extack);
		else
			err = xcloud_peer_del(&xd->peers, &remotes[i],
					      info->extack);
	}
	xcloud_genl_dev_unlock(xd);
out:
	kfree(remotes);
	return err;
}

int xcloud_nl_tunnel_new(struct sk_buff *skb, struct genl_info *info)
{
	return tunnel_change(info, true);
}

int xcloud_nl_tunnel_del(struct sk_buff *skb, struct genl_info *info)
{
	return tunnel_change(info, false);
}

/* What a tunnel entry carries besides its remote and flags. */
#define TUNNEL_COUNTERS	BIT(0)	/* route refs, counters, age: dumps */
#define TUNNEL_LIVENESS	BIT(1)	/* state and probe counters */

/*
 * XCLOUD_TUNNEL_A_STATE and the liveness counters; @probing: the device
 * probes (its interval is not 0).
 */
static int put_liveness(struct sk_buff *skb, const struct xcloud_peer *peer,
			bool probing)
{
	u8 state = XCLOUD_TUNNEL_STATE_UNPROBED;

	if (probing && (READ_ONCE(peer->flags) & XCLOUD_TUNNEL_F_PROBED))
		state = READ_ONCE(peer->down) ? XCLOUD_TUNNEL_STATE_DOWN :
						XCLOUD_TUNNEL_STATE_UP;
	if (nla_put_u8(skb, XCLOUD_TUNNEL_A_STATE, state) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_PROBES_SENT,
			      atomic64_read(&peer->probes_sent),
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_PROBE_REPLIES,
			      atomic64_read(&peer->probe_replies),
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_STATE_CHANGES,
			      atomic64_read(&peer->state_changes),
			      XCLOUD_TUNNEL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int put_counters(struct sk_buff *skb, const struct xcloud_peer *peer)
{
	struct xcloud_peer_counters c;
	u64 age, idle;

	xcloud_peer_read_stats(peer, &c);
	xcloud_peer_times(peer, get_jiffies_64(), &age, &idle);
	if (nla_put_u32(skb, XCLOUD_TUNNEL_A_ROUTE_REFS, peer->route_refs) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_TX_PACKETS, c.tx_packets,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_TX_BYTES, c.tx_bytes,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_RX_PACKETS, c.rx_packets,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_RX_BYTES, c.rx_bytes,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_TX_ERRORS, c.tx_errors,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_AGE_MS, age,
			      XCLOUD_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, XCLOUD_TUNNEL_A_IDLE_MS, idle,
			      XCLOUD_TUNNEL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * One XCLOUD_A_TUNNEL, for dumps and events alike: the remote and flags,
 * then what @what (TUNNEL_*) asks for.
 */
static int tunnel_fill(struct sk_buff *skb, const struct xcloud_peer *peer,
		       unsigned int what, bool probing)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, XCLOUD_A_TUNNEL);
	if (!nest)
		return -EMSGSIZE;
	if (xcloud_nla_put_addr(skb, XCLOUD_TUNNEL_A_REMOTE, &peer->remote) ||
	    nla_put_u32(skb, XCLOUD_TUNNEL_A_FLAGS, READ_ONCE(peer->flags)) ||
	    ((what & TUNNEL_COUNTERS) && put_counters(skb, peer)) ||
	    ((what & TUNNEL_LIVENESS) && put_liveness(skb, peer, probing))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One message per call, as many peers as fit. The list keeps insertion
 * order, so the next message resumes at the peer that did not fit, found
 * by its key (no skip count). A change in between bumps the generation
 * and the dump is flagged NLM_F_DUMP_INTR.
 */
int xcloud_nl_tunnel_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct tunnel_dump_ctx *ctx = (void *)cb->ctx;
	struct xcloud_peer *peer = NULL;
	struct xcloud_peers *peers;
	struct nlattr *nest;
	struct xcloud_dev *xd;
	int err = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (ctx->done)
		return 0;
	xd = xcloud_genl_dev_lock(sock_net(skb->sk), info->attrs, cb->extack);
	if (IS_ERR(xd))
		return PTR_ERR(xd);
	peers = &xd->peers;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &xcloud_genl_family, NLM_F_MULTI,
			  XCLOUD_CMD_TUNNEL_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto out;
	}
	if (nla_put_u32(skb, XCLOUD_A_IFINDEX, xd->dev->ifindex)) {
		err = -EMSGSIZE;
		goto cancel;
	}
	nest = nla_nest_start(skb, XCLOUD_A_TUNNELS);
	if (!nest) {
		err = -EMSGSIZE;
		goto cancel;
	}

	spin_lock_bh(&peers->lock);
	cb->seq = peers->generation;
	genl_dump_check_consistent(cb, hdr);
	if (ctx->resume) {
		peer = xcloud_peer_lookup_locked(peers, &ctx->next);
		/* Removed since: the dump is flagged, end it here. */
		if (!peer)
			ctx->done = true;
	} else {
		peer = list_first_entry_or_null(&peers->list,
						struct xcloud_peer, list);
	}
	ctx->done = ctx->done || !peer;
	if (peer) {
		list_for_each_entry_from(peer, &peers->list, list) {
			if (tunnel_fill(skb, peer,
					TUNNEL_COUNTERS | TUNNEL_LIVENESS,
					READ_ONCE(xd->cfg.probe_interval))) {
				ctx->next = peer->remote;
				ctx->resume = true;
				break;
			}
		}
		/* Ran off the end: everything is in this message. */
		if (list_entry_is_head(peer, &peers->list, list))
			ctx->done = true;
	}
	spin_unlock_bh(&peers->lock);

	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	err = skb->len;
	goto out;

cancel:
	genlmsg_cancel(skb, hdr);
out:
	xcloud_genl_dev_unlock(xd);
	return err;
}

/* An event's XCLOUD_A_TUNNELS: the one peer an event is about. */
struct tunnel_event {
	const struct xcloud_peer *peer;
	unsigned int what;
};

static int tunnel_event_fill(struct sk_buff *skb, const void *arg)
{
	const struct tunnel_event *ev = arg;
	struct nlattr *nest;

	nest = nla_nest_start(skb, XCLOUD_A_TUNNELS);
	if (!nest)
		return -EMSGSIZE;
	if (tunnel_fill(skb, ev->peer, ev->what, true)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Under rcu_read_lock() or update_lock: @peer may be removed, not freed. */
void xcloud_nl_tunnel_notify(struct xcloud_dev *xd,
			     const struct xcloud_peer *peer, u8 cmd)
{
	struct tunnel_event ev = { .peer = peer };

	xcloud_genl_notify(xd, cmd, tunnel_event_fill, &ev);
}

/* From the probe work, under RCU. */
void xcloud_nl_tunnel_state_notify(struct xcloud_dev *xd,
				   const struct xcloud_peer *peer)
{
	struct tunnel_event ev = { .peer = peer, .what = TUNNEL_LIVENESS };

	xcloud_genl_notify(xd, XCLOUD_CMD_TUNNEL_STATE, tunnel_event_fill, &ev);
}

static int miss_fill(struct sk_buff *skb, const void *arg)
{
	return xcloud_nla_put_addr(skb, XCLOUD_A_DST, arg);
}

/* From the data path (softirq or xmit), under rcu_read_lock(). */
void xcloud_nl_miss_notify(struct xcloud_dev *xd,
			   const struct xcloud_addr *dst)
{
	xcloud_genl_notify(xd, XCLOUD_CMD_MISS, miss_fill, dst);
}
