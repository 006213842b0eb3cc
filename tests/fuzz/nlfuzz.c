// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated raw netlink requests for the xcloud genl
 * family and xcloud links, in the current network namespace.
 *
 *   nlfuzz --fuzz DEV,DEV --control DEV --other DEV [--seed N] [--count N]
 *          [--valid PCT] [--mut PCT] [--verbose]
 *
 * The two --fuzz devices take the mutated requests; --control gets only
 * valid ones (the positive control: each must succeed); --other is a
 * device that is not xcloud's. Every refused request must carry an
 * extack message, unless the fuzzer broke something the netlink or genl
 * core checks before the family sees the message (docs/fuzzing.md). The
 * last line sums it up; the exit status is 1 if a valid request failed,
 * a refusal had no message, or the kernel stopped answering.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xcloud.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nlfuzz.h"
#include "rng.h"

uint64_t rng_state;

#define MSG_CAP		(512 * 1024)
#define RECV_CAP	(1024 * 1024)
#define REPLY_TIMEOUT	60	/* seconds: a hang, not a slow kernel */
#define SHOW_MAX	10	/* failures printed in full */

struct outcome {
	int err;		/* 0, or the negative errno */
	bool has_msg;
	char text[160];
};

static struct {
	unsigned long sent, accepted, rejected, rejected_extack;
	unsigned long rejected_core, rejected_noext, valid, valid_failed;
	unsigned long mutated, batches, dumps_cut, shown;
} st;

static uint8_t rbuf[RECV_CAP];

static int nl_open(int proto)
{
	int one = 1, size = 4 * 1024 * 1024;
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);

	if (fd < 0) {
		perror("socket(AF_NETLINK)");
		exit(2);
	}
	/* Messages in errors, not the request echoed back; big batches. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("setsockopt");
		exit(2);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static uint16_t resolve_family(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id;

	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "nlfuzz: cannot open a genl socket\n");
		exit(2);
	}
	id = genl_ctrl_resolve(sk, XCLOUD_GENL_NAME);
	nl_socket_free(sk);
	if (id < 0) {
		fprintf(stderr, "nlfuzz: no genl family \"%s\" (module loaded?)\n",
			XCLOUD_GENL_NAME);
		exit(2);
	}
	return (uint16_t)id;
}

/* The extack message of an error or done message, if it has one. */
static void ack_tlvs(const struct nlmsghdr *h, size_t off, struct outcome *o)
{
	const struct nlattr *a;
	size_t len = h->nlmsg_len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_ALIGN(off);
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const uint8_t *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    a->nla_len > NLA_HDRLEN) {
			o->has_msg = true;
			snprintf(o->text, sizeof(o->text), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Read until the error or done message of @seq (earlier sequence numbers:
 * leftovers of a batch, ignored). Returns false on a timeout: a hang.
 */
static bool wait_reply(int fd, uint32_t seq, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* a dump overran the buffer: lost, not hung */
				o->err = -ENOBUFS;
				o->has_msg = true;
				return true;
			}
			perror("nlfuzz: recv");
			return false;
		}
		len = (size_t)n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				o->err = e->error;
				ack_tlvs(h, NLMSG_HDRLEN + sizeof(*e), o);
				return true;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				const int *e = NLMSG_DATA(h);

				o->err = h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int) ?
					 *e : 0;
				ack_tlvs(h, NLMSG_HDRLEN + sizeof(int), o);
				return true;
			}
		}
	}
}

static void hexdump(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 512; i++)
		fprintf(stderr, "%02x%s", p[i], (i % 32 == 31) ? "\n" : "");
	fprintf(stderr, "%s", i % 32 ? "\n" : "");
	if (len > 512)
		fprintf(stderr, "(%zu bytes, the first 512 shown)\n", len);
}

static void show(const char *what, unsigned long n, const struct msg *m,
		 size_t off, const struct outcome *o)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)(m->p + off);

	if (st.shown++ >= SHOW_MAX)
		return;
	fprintf(stderr,
		"nlfuzz: %s: message %lu type %u cmd %u flags 0x%x: %s (%d)%s%s\n",
		what, n, h->nlmsg_type, m->p[off + NLMSG_HDRLEN], h->nlmsg_flags,
		strerror(-o->err), o->err, o->has_msg ? ": " : "",
		o->has_msg ? o->text : "");
	hexdump(m->p + off, h->nlmsg_len);
}

/* Account for one request's outcome. */

/*
 * A new link whose name is taken, with NLM_F_EXCL: rtnl_newlink() says a
 * bare -EEXIST before xcloud sees the message.
 */
static bool exists(const struct msg *m, const struct outcome *o)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)m->p;

	return o->err == -EEXIST && m->len >= sizeof(*h) &&
	       h->nlmsg_type == RTM_NEWLINK && (h->nlmsg_flags & NLM_F_EXCL);
}
static void account(unsigned long n, const struct msg *m, size_t off,
		    bool valid, const struct outcome *o)
{
	st.sent++;
	if (m->mutations)
		st.mutated++;
	if (valid) {
		st.valid++;
		if (o->err) {
			st.valid_failed++;
			show("valid request failed", n, m, off, o);
		}
	}
	if (!o->err) {
		st.accepted++;
		return;
	}
	st.rejected++;
	if (o->has_msg)
		st.rejected_extack++;
	else if (m->core || exists(m, o))
		st.rejected_core++;
	else {
		st.rejected_noext++;
		show("refused without an extack message", n, m, off, o);
	}
}

/* Start a dump on a socket of its own, read one message, close it. */
static void dump_cut(struct nlfuzz *f, struct msg *m)
{
	int fd = nl_open(NETLINK_GENERIC);
	bool dump;

	msg_reset(m, 0);
	genl_valid(f, m, NLM_F_REQUEST, &dump);
	if (dump && send(fd, m->p, m->len, 0) >= 0) {
		(void)recv(fd, rbuf, sizeof(rbuf), 0);
		st.dumps_cut++;
	}
	f->pending.t = NULL;
	close(fd);
}

static void links_commit(struct nlfuzz *f, int err)
{
	unsigned int i;

	if (!f->pending_link[0] || err)
		return;
	for (i = 0; i < f->nlinks; i++)
		if (!strcmp(f->links[i], f->pending_link))
			break;
	if (f->pending_link_del && i < f->nlinks)
		memcpy(f->links[i], f->links[--f->nlinks], IFNAMSIZ);
	else if (!f->pending_link_del && i == f->nlinks && f->nlinks < 64)
		memcpy(f->links[f->nlinks++], f->pending_link, IFNAMSIZ);
}

/* Many do-requests in one sendmsg; each gets its own ack. */
static bool batch(struct nlfuzz *f, struct msg *m, unsigned long *n,
		  unsigned long count, unsigned int mut)
{
	unsigned int i, k = 20 + rnd(200);
	size_t offs[256];
	bool dump;

	msg_reset(m, mut);
	for (i = 0; i < k && *n + i < count; i++) {
		size_t before = m->len;

		offs[i] = NLMSG_ALIGN(m->len);
		genl_fuzz(f, m, NLM_F_REQUEST | NLM_F_ACK, &dump);
		/* dumps and cut headers do not belong in a batch */
		if (dump || m->core || m->len > MSG_CAP - 70000) {
			m->len = before;
			f->seq--;
			m->core = false;
			i--;
			if (m->len > MSG_CAP - 70000)
				break;
		}
	}
	k = i;
	if (!k)
		return true;
	if (send(f->genl, m->p, m->len, 0) < 0) {
		perror("nlfuzz: send (batch)");
		return false;
	}
	st.batches++;
	for (i = 0; i < k; i++) {
		const struct nlmsghdr *h = (void *)(m->p + offs[i]);
		struct outcome o;

		if (!wait_reply(f->genl, h->nlmsg_seq, &o))
			return false;
		/* per message, mutated or not: count as fuzz requests */
		account(*n + i, m, offs[i], false, &o);
	}
	*n += k;
	return true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz --fuzz DEV,DEV --control DEV --other DEV [--seed N]\n"
		"              [--count N] [--valid PCT] [--mut PCT] [--verbose]\n");
	exit(2);
}

static unsigned int ifindex_of(const char *name)
{
	unsigned int i = if_nametoindex(name);

	if (!i) {
		fprintf(stderr, "nlfuzz: no device %s\n", name);
		exit(2);
	}
	return i;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "valid", required_argument, NULL, 'v' },
		{ "mut", required_argument, NULL, 'm' },
		{ "fuzz", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'C' },
		{ "other", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long count = 10000, n = 0, seed = 0;
	unsigned int valid_pct = 10, mut = 8, progress;
	const char *fuzz = NULL, *ctl = NULL, *other = NULL;
	struct nlfuzz f = { 0 };
	struct timespec t0, t1;
	bool verbose = false, ok = true;
	struct msg m;
	char *comma;
	double secs;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'v': valid_pct = (unsigned int)atoi(optarg); break;
		case 'm': mut = (unsigned int)atoi(optarg); break;
		case 'f': fuzz = optarg; break;
		case 'C': ctl = optarg; break;
		case 'o': other = optarg; break;
		case 'V': verbose = true; break;
		default: usage();
		}
	}
	if (!fuzz || !ctl || !other || !(comma = strchr(fuzz, ',')) ||
	    comma - fuzz >= IFNAMSIZ || strlen(comma + 1) >= IFNAMSIZ ||
	    strlen(ctl) >= IFNAMSIZ)
		usage();
	if (!seed) {
		clock_gettime(CLOCK_REALTIME, &t0);
		seed = (unsigned long)t0.tv_nsec ^ ((unsigned long)getpid() << 20);
	}
	rng_state = seed;
	printf("nlfuzz: seed %lu count %lu valid %u%% mutation %u%% (reproduce: --seed %lu --count %lu)\n",
	       seed, count, valid_pct, mut, seed, count);
	fflush(stdout);

	memcpy(f.fz_name[0], fuzz, (size_t)(comma - fuzz));
	strcpy(f.fz_name[1], comma + 1);
	strcpy(f.ctl_name, ctl);
	f.fz_ifindex[0] = ifindex_of(f.fz_name[0]);
	f.fz_ifindex[1] = ifindex_of(f.fz_name[1]);
	f.ctl_ifindex = ifindex_of(ctl);
	f.other_ifindex = ifindex_of(other);
	f.family = resolve_family();
	f.genl = nl_open(NETLINK_GENERIC);
	f.rtnl = nl_open(NETLINK_ROUTE);
	f.seq = (uint32_t)seed;
	msg_init(&m, MSG_CAP, mut);

	progress = count >= 10 ? (unsigned int)(count / 10) : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n < count && ok) {
		unsigned long before = n;
		bool valid = chance(valid_pct), dump = false, rt = chance(15);
		struct outcome o;
		size_t off = 0;
		int fd;

		if (!valid && chance(1)) {
			ok = batch(&f, &m, &n, count, mut);
		} else {
			if (!valid && chance(1))
				dump_cut(&f, &m);
			msg_reset(&m, valid ? 0 : mut);
			if (rt && valid)
				link_valid(&f, &m, NLM_F_REQUEST | NLM_F_ACK);
			else if (rt)
				link_fuzz(&f, &m, NLM_F_REQUEST | NLM_F_ACK);
			else if (valid)
				genl_valid(&f, &m, NLM_F_REQUEST | NLM_F_ACK, &dump);
			else
				genl_fuzz(&f, &m, NLM_F_REQUEST | NLM_F_ACK, &dump);
			fd = rt ? f.rtnl : f.genl;
			if (send(fd, m.p, m.len, 0) < 0) {
				/* only a message too big for the socket */
				o.err = -errno;
				o.has_msg = false;
				m.core = true;
				if (errno != EMSGSIZE) {
					perror("nlfuzz: send");
					ok = false;
					break;
				}
			} else if (!wait_reply(fd, ((struct nlmsghdr *)m.p)->nlmsg_seq,
					       &o)) {
				fprintf(stderr, "nlfuzz: no reply to message %lu within %d s\n",
					n, REPLY_TIMEOUT);
				show("no reply", n, &m, off, &o);
				ok = false;
				break;
			}
			account(n, &m, off, valid, &o);
			if (valid && !o.err && !rt)
				track_commit(&f);
			f.pending.t = NULL;
			if (rt)
				links_commit(&f, o.err);
			if (verbose)
				printf("%lu %s%s: %d%s%s\n", n, rt ? "rtnl" : "genl",
				       valid ? " valid" : "", o.err,
				       o.has_msg ? " " : "", o.has_msg ? o.text : "");
			n++;
		}
		if (n / progress != before / progress) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			printf("nlfuzz: %lu messages, %.0f/s\n", n, n / secs);
			fflush(stdout);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("nlfuzz: seed %lu messages %lu in %.1f s (%.0f/s) accepted %lu rejected %lu "
	       "(extack %lu, core %lu, without-extack %lu) valid %lu valid-failed %lu "
	       "mutated %lu batches %lu dumps-cut %lu\n",
	       seed, st.sent, secs, secs > 0 ? st.sent / secs : 0.0, st.accepted,
	       st.rejected, st.rejected_extack, st.rejected_core,
	       st.rejected_noext, st.valid, st.valid_failed, st.mutated,
	       st.batches, st.dumps_cut);
	msg_free(&m);
	if (!ok)
		printf("nlfuzz: stopped early: the kernel did not answer\n");
	return ok && !st.valid_failed && !st.rejected_noext && st.valid ? 0 : 1;
}
