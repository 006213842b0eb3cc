// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the extack reader (extack.c): the message and offset found
 * after a capped and after an uncapped echo of the request, nothing taken
 * from an error without NLM_F_ACK_TLVS, a message without its NUL, or an
 * attribute running past the message. TAP.
 */
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include "libxcloud.h"
#include "tap.h"

static union {
	struct nlmsghdr nh;
	char b[512];
} m;

static size_t put_attr(size_t at, int type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(m.b + at);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(m.b + at + NLA_HDRLEN, data, len);
	return at + NLA_ALIGN(a->nla_len);
}

/* An error answering a request of @req_len bytes; @capped: not echoed. */
static size_t build(bool capped, size_t req_len, const char *msg,
		    size_t msg_len, uint32_t off)
{
	struct nlmsgerr *e = NLMSG_DATA(&m.nh);
	size_t at = NLMSG_HDRLEN + sizeof(*e);

	memset(&m, 0, sizeof(m));
	m.nh.nlmsg_type = NLMSG_ERROR;
	m.nh.nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	e->error = -22;
	e->msg.nlmsg_len = NLMSG_HDRLEN + req_len;
	if (!capped)
		at += req_len;
	if (msg)
		at = put_attr(at, NLMSGERR_ATTR_MSG, msg, msg_len);
	at = put_attr(at, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	m.nh.nlmsg_len = at;
	return at;
}

int main(void)
{
	const char *msg;
	int64_t off;

	build(true, 40, "bad VNI", 8, 28);
	xc_extack(&m.nh, &msg, &off);
	ok(msg && !strcmp(msg, "bad VNI") && off == 28,
	   "capped: message and offset");

	build(false, 40, "bad VNI", 8, 28);
	xc_extack(&m.nh, &msg, &off);
	ok(msg && !strcmp(msg, "bad VNI") && off == 28,
	   "uncapped: message and offset after the echoed request");

	build(true, 40, "bad VNI", 8, 28);
	m.nh.nlmsg_flags &= ~NLM_F_ACK_TLVS;
	xc_extack(&m.nh, &msg, &off);
	ok(!msg && off == -1, "no NLM_F_ACK_TLVS: nothing");

	build(true, 40, "bad VNI!", 8, 28);
	xc_extack(&m.nh, &msg, &off);
	ok(!msg && off == 28, "a message without its NUL is not taken");

	build(true, 40, NULL, 0, 28);
	m.nh.nlmsg_len -= 2;
	xc_extack(&m.nh, &msg, &off);
	ok(!msg && off == -1, "an attribute past the message's end is not read");

	return tap_done();
}
