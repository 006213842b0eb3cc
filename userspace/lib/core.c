// SPDX-License-Identifier: GPL-2.0
/*
 * The handle and the request/reply plumbing: extack-aware error handling
 * and dumps that are retried when the kernel marks them interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define XC_DUMP_RETRIES 64

void xc_err_reset(struct xc *h)
{
	h->errmsg[0] = '\0';
	h->erroff = -1;
	h->erridx = -1;
}

int xc_err_set(struct xc *h, int err, const char *msg)
{
	snprintf(h->errmsg, sizeof(h->errmsg), "%s", msg);
	return err;
}

const char *xc_errmsg(const struct xc *h)
{
	return h->errmsg;
}

int xc_erridx(const struct xc *h)
{
	return h->erridx;
}

/* Ask for extended ACKs, and for ACKs that do not echo our big requests. */
static int xc_sock_open(struct nl_sock **out, int proto)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, fd;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, proto) < 0) {
		nl_socket_free(sk);
		return -EPROTONOSUPPORT;
	}
	fd = nl_socket_get_fd(sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Dump replies may be up to 32 KiB per datagram; let libnl peek. */
	nl_socket_enable_msg_peek(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	*out = sk;
	return 0;
}

int xc_open(struct xc **out)
{
	struct xc *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	xc_err_reset(h);
	err = xc_sock_open(&h->rt, NETLINK_ROUTE);
	if (!err)
		err = xc_sock_open(&h->gn, NETLINK_GENERIC);
	if (err) {
		xc_close(h);
		return err;
	}
	*out = h;
	return 0;
}

void xc_close(struct xc *h)
{
	if (!h)
		return;
	if (h->rt)
		nl_socket_free(h->rt);
	if (h->gn)
		nl_socket_free(h->gn);
	if (h->ev)
		nl_socket_free(h->ev);
	free(h);
}

int xc_family(struct xc *h)
{
	int id;

	if (h->family)
		return h->family;
	id = genl_ctrl_resolve(h->gn, XCLOUD_GENL_NAME);
	if (id < 0)
		return xc_err_set(h, -ENOENT,
				  "generic netlink family \"xcloud\" not found (module not loaded?)");
	h->family = id;
	return id;
}

struct nl_msg *xc_genl_msg(struct xc *h, uint8_t cmd, int flags, int ifindex)
{
	struct nl_msg *msg;
	int family = xc_family(h);

	if (family < 0)
		return NULL;
	msg = nlmsg_alloc_size(XC_MSG_MAX + 4096);
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 XCLOUD_GENL_VERSION) ||
	    (ifindex > 0 && nla_put_u32(msg, XCLOUD_A_IFINDEX, ifindex) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct xc_req {
	struct xc *h;
	xc_reply_cb cb;
	void *arg;
	int err;
	bool done;
	bool intr;
};

/* Keep the kernel's extack message and offset of a failed request. */
static int xc_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct xc_req *req = arg;
	const char *msg;
	int64_t off;

	(void)nla;
	req->err = e->error ? e->error : -EIO;
	req->done = true;
	xc_extack(nlh, &msg, &off);
	if (msg)
		snprintf(req->h->errmsg, sizeof(req->h->errmsg), "%s", msg);
	if (off >= 0)
		req->h->erroff = (int)off;
	return NL_STOP;
}

static int xc_valid_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;
	int err;

	if (!req->cb || req->err)
		return NL_OK;
	err = req->cb(nlmsg_hdr(msg), req->arg);
	if (err)
		req->err = err;
	return NL_OK;
}

static int xc_done_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int xc_intr_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	(void)msg;
	req->intr = true;
	return NL_OK;
}

static int xc_nlerr(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static int xc_run(struct xc *h, struct nl_sock *sk, struct nl_msg *msg,
		  struct xc_req *req)
{
	struct nl_cb *cb;
	int err;

	req->h = h;
	cb = nl_cb_clone(nl_socket_get_cb(sk));
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, xc_valid_cb, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, xc_done_cb, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, xc_done_cb, req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, xc_intr_cb, req);
	nl_cb_err(cb, NL_CB_CUSTOM, xc_err_cb, req);

	/* Force a fresh sequence number, so a message may be sent again. */
	nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
	err = nl_send_auto(sk, msg);
	if (err < 0) {
		nl_cb_put(cb);
		return xc_nlerr(err);
	}
	while (!req->done) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && !req->done) {
			req->err = xc_nlerr(err);
			break;
		}
	}
	nl_cb_put(cb);
	return req->err;
}

int xc_transact(struct xc *h, struct nl_sock *sk, struct nl_msg *msg,
		xc_reply_cb cb, void *arg)
{
	struct xc_req req = { .cb = cb, .arg = arg };

	return xc_run(h, sk, msg, &req);
}

/* Copies of the reply messages of one dump, back to back. */
struct xc_dumpbuf {
	char *data;
	size_t len, cap;
};

static int xc_dump_keep(struct nlmsghdr *nlh, void *arg)
{
	struct xc_dumpbuf *b = arg;
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);

	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 16;
		char *p;

		while (cap < b->len + need)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, nlh, nlh->nlmsg_len);
	b->len += need;
	return 0;
}

int xc_dump(struct xc *h, struct nl_msg *msg, xc_reply_cb cb, void *arg)
{
	struct xc_dumpbuf b = { 0 };
	int err = 0, tries;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	for (tries = 0; tries < XC_DUMP_RETRIES; tries++) {
		struct xc_req req = { .cb = xc_dump_keep, .arg = &b };

		b.len = 0;
		err = xc_run(h, h->gn, msg, &req);
		if (err || !req.intr)
			break;
		err = -EAGAIN;	/* changed under us: dump again */
	}
	if (err == -EAGAIN)
		xc_err_set(h, err, "dump kept being interrupted by changes");
	for (size_t off = 0; !err && off < b.len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b.data + off);

		off += NLMSG_ALIGN(nlh->nlmsg_len);
		err = cb(nlh, arg);
	}
	free(b.data);
	return err;
}

int xc_genl_parse(struct nlmsghdr *nlh, struct nlattr **tb, uint8_t *cmd)
{
	struct genlmsghdr *g = nlmsg_data(nlh);

	if (cmd)
		*cmd = g->cmd;
	if (genlmsg_parse(nlh, 0, tb, XCLOUD_A_MAX, NULL) < 0)
		return -EBADMSG;
	return 0;
}

int xc_for_each_item(struct nlattr **tb, int list, int item,
		     int (*fn)(const struct nlattr *nla, void *arg), void *arg)
{
	struct nlattr *nla;
	int rem, err;

	if (tb[list]) {
		nla_for_each_nested(nla, tb[list], rem) {
			if (nla_type(nla) != item)
				continue;
			err = fn(nla, arg);
			if (err)
				return err;
		}
	}
	if (tb[item])	/* a single entry at top level */
		return fn(tb[item], arg);
	return 0;
}

struct nlattr *xc_nest_start(struct nl_msg *msg, int type)
{
	/* The kernel's strict validation wants NLA_F_NESTED on nests. */
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

int xc_put_addr(struct nl_msg *msg, int type, const struct xc_addr *a)
{
	return nla_put(msg, type, xc_addr_len(a), a->bytes);
}

int xc_get_addr(const struct nlattr *nla, struct xc_addr *a)
{
	return xc_addr_from_bytes(a, nla_data(nla), nla_len(nla));
}
