// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of local delivery in batches (local.c), in a network
 * namespace of their own: routes and proxy ARP really set, each refused
 * request reported for its own port, batches larger than a datagram,
 * removals, answers read on the loop (nothing reported before the commit
 * returns, batches committed back to back answered in turn), answers
 * lost to an overrun (local.c is included: its socket is made small).
 * TAP; skipped without the right to make a namespace.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include "local.c"
#include "tap.h"
#include "test_log.h"

#define NPORTS 300

static char results[NPORTS + 1];	/* per cookie: 'y' ok, 'n' failed */
static struct ev_loop *ev;
static char ends[8];			/* batches answered, in order */

static void done(void *cookie, bool good, void *arg)
{
	(void)arg;
	results[(size_t)cookie] = good ? 'y' : 'n';
}

static void end(void *arg)
{
	size_t n = strlen(ends);

	if (n + 1 < sizeof(ends))
		ends[n] = *(const char *)arg;
}

/* Commits and runs the loop until every batch is answered. */
static bool commit(struct xd_local *l, const char *tag)
{
	bool sent = xd_local_commit(l, done, end, (void *)tag);

	while (xd_local_busy(l))
		ev_run(ev, EVRUN_ONCE);
	return sent;
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int proxy_arp(const char *ifname)
{
	char path[128];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/proxy_arp",
		 ifname);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Does `ip route show ARGS` print anything? */
static bool has_route(const char *args)
{
	char cmd[256], line[256];
	FILE *p;
	bool any;

	snprintf(cmd, sizeof(cmd), "ip %s route show %s 2>/dev/null",
		 strchr(args, ':') ? "-6" : "-4", args);
	p = popen(cmd, "r");
	if (!p)
		return false;
	any = fgets(line, sizeof(line), p) != NULL;
	pclose(p);
	return any;
}

int main(void)
{
	struct xd_local *l;
	char err[256], name[IF_NAMESIZE], addr[32];
	int bad = 0, good = 0;
	FILE *batch;

	printf("TAP version 13\n");
	/* veth pairs: they need no module that a container may lack. */
	if (unshare(CLONE_NEWNET) ||
	    sh("ip link add d0 type veth peer name e0 2>/dev/null")) {
		printf("1..0 # SKIP cannot make a network namespace with links: %s\n",
		       strerror(errno));
		return 0;
	}
	batch = fopen("/tmp/xcloudd-test-local.batch", "w");
	for (int i = 1; batch && i < NPORTS; i++)
		fprintf(batch, "link add d%d type veth peer name e%d\n", i, i);
	for (int i = 0; batch && i < NPORTS; i++)
		fprintf(batch, "link set d%d up\n", i);
	if (batch)
		fclose(batch);
	ok(batch && !sh("ip -batch /tmp/xcloudd-test-local.batch"),
	   "veth ports made");
	unlink("/tmp/xcloudd-test-local.batch");
	ev = ev_default_loop(0);
	l = xd_local_new(ev, err, sizeof(err));
	ok(l != NULL, "rtnetlink batch opened");
	if (!l)
		return 1;

	/* One batch: two good ports, one refused (no such device), IPv6. */
	xd_local_install(l, (void *)1, "10.9.0.1", (int)if_nametoindex("d0"), "d0", 0, 0);
	xd_local_install(l, (void *)2, "10.9.0.3", 999999, "gone", 0, 0);
	xd_local_install(l, (void *)3, "10.9.0.2", (int)if_nametoindex("d1"), "d1", 0, 0);
	xd_local_install(l, (void *)4, "2001:db8::1", (int)if_nametoindex("d2"), "d2", 0, 0);
	logged = 0;
	ok(xd_local_commit(l, done, end, "a") && !results[1] && !results[2] &&
	   !ends[0] && xd_local_busy(l),
	   "commit returns with nothing answered yet");
	while (xd_local_busy(l))
		ev_run(ev, EVRUN_ONCE);
	ok(!strncmp(results + 1, "ynyy", 4) && !strcmp(ends, "a"),
	   "each port's answer its own (only the refused one failed), then the batch's end");
	ok(logged == 1, "the refused route logged, once");
	ok(has_route("10.9.0.1 dev d0 proto 77 scope link") &&
	   has_route("10.9.0.2 dev d1 proto 77 scope link") &&
	   has_route("2001:db8::1 dev d2 proto 77"), "host routes installed (proto 77)");
	ok(proxy_arp("d0") == 1 && proxy_arp("d1") == 1 && proxy_arp("d3") == 0,
	   "proxy ARP on on the IPv4 ports only");

	/* Removals: one there, one gone already (fine, not logged). */
	xd_local_remove(l, "10.9.0.1", (int)if_nametoindex("d0"), "d0", 0);
	xd_local_remove(l, "10.9.0.9", (int)if_nametoindex("d0"), "d0", 0);
	logged = 0;
	commit(l, "b");
	ok(!has_route("10.9.0.1") && has_route("10.9.0.2 dev d1") && !logged,
	   "route removed, a missing one is no error");

	/* What is no address is refused before anything is queued: a scoped
	 * IPv6 address, one with spaces (with a VRF move queued first: into
	 * a veth, which the kernel would refuse and log), a prefix. */
	memset(results, 0, sizeof(results));
	logged = 0;
	ok(xd_local_install(l, (void *)5, "fe80::1%d3", (int)if_nametoindex("d3"), "d3", 0, 0) == -EINVAL &&
	   xd_local_install(l, (void *)6, " 10.9.0.5", (int)if_nametoindex("d3"), "d3", 0, 0) == -EINVAL &&
	   xd_local_install(l, (void *)7, "10.9.0.5 ", (int)if_nametoindex("d3"), "d3",
			    (int)if_nametoindex("d4"), 0) == -EINVAL &&
	   xd_local_remove(l, "10.9.0.2/32", (int)if_nametoindex("d1"), "d1", 0) == -EINVAL &&
	   !xd_local_install(l, (void *)8, "10.9.0.5", (int)if_nametoindex("d3"), "d3", 0, 0),
	   "addresses that are none refused at once, a good one after them queued");
	commit(l, "c");
	ok(!results[5] && !results[6] && !results[7] && results[8] == 'y' &&
	   !logged && has_route("10.9.0.5 dev d3 proto 77") &&
	   has_route("10.9.0.2 dev d1"),
	   "... nothing of the refused ones sent, the good one installed");

	/* More than a datagram holds, one refused in the middle. */
	memset(results, 0, sizeof(results));
	for (int i = 1; i < NPORTS; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(addr, sizeof(addr), "10.8.%d.%d", i / 250, i % 250 + 1);
		xd_local_install(l, (void *)(size_t)i, addr,
				 i == 150 ? 999999 : (int)if_nametoindex(name), name,
				 0, 0);
	}
	logged = 0;
	commit(l, "d");
	for (int i = 1; i < NPORTS; i++) {
		bad += results[i] == 'n';
		good += results[i] == 'y';
	}
	ok(good == NPORTS - 2 && bad == 1 && results[150] == 'n',
	   "large batch: every port answered, only the refused one failed");
	ok(has_route("10.8.1.50 dev d299 proto 77") &&
	   proxy_arp("d299") == 1 && proxy_arp("d1") == 1,
	   "large batch: first and last ports installed");
	/* Back to back: the second batch (a refused route first, then one
	 * that is fine) is queued behind the first, larger than a datagram;
	 * each is answered in turn. */
	memset(results, 0, sizeof(results));
	memset(ends, 0, sizeof(ends));
	for (int i = 1; i < 200; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(addr, sizeof(addr), "10.7.%d.%d", i / 250, i % 250 + 1);
		xd_local_install(l, (void *)(size_t)i, addr,
				 (int)if_nametoindex(name), name, 0, 0);
	}
	xd_local_commit(l, done, end, "1");
	xd_local_install(l, (void *)(size_t)200, "10.6.0.1", 999999, "gone", 0, 0);
	xd_local_install(l, (void *)(size_t)201, "10.6.0.2",
			 (int)if_nametoindex("d201"), "d201", 0, 0);
	logged = 0;
	ok(xd_local_commit(l, done, end, "2") && !ends[0] && !results[200],
	   "back to back: the second commit queued, nothing answered yet");
	while (xd_local_busy(l))
		ev_run(ev, EVRUN_ONCE);
	good = 0;
	for (int i = 1; i < 200; i++)
		good += results[i] == 'y';
	ok(!strcmp(ends, "12") && good == 199 && results[200] == 'n' &&
	   results[201] == 'y' && logged == 1 &&
	   has_route("10.7.0.200 dev d199 proto 77") &&
	   has_route("10.6.0.2 dev d201 proto 77"),
	   "back to back: both answered in order, the refused route reported failed through done");
	/* Answers lost (ENOBUFS): a tiny receive buffer, a datagram of
	 * refusals. What went unanswered failed, logged; the next batch is
	 * told from the lost one's late answers. */
	memset(results, 0, sizeof(results));
	memset(ends, 0, sizeof(ends));
	setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 }, sizeof(int));
	for (int i = 1; i <= 60; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(addr, sizeof(addr), "10.5.0.%d", i);
		xd_local_install(l, (void *)(size_t)i, addr,
				 i <= 50 ? 999999 : (int)if_nametoindex(name), name,
				 0, 0);
	}
	logged = 0;
	commit(l, "x");
	bad = 0;
	for (int i = 1; i <= 60; i++)
		bad += results[i] == 'n';
	ok(bad == 60 && !strcmp(ends, "x") && logged >= 1 && logged < 50,
	   "overrun: every unanswered install failed, the loss logged");
	setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
	memset(results, 0, sizeof(results));
	logged = 0;
	xd_local_install(l, (void *)1, "10.5.1.1", (int)if_nametoindex("d1"),
			 "d1", 0, 0);
	commit(l, "y");
	ok(results[1] == 'y' && !strcmp(ends, "xy") && !logged,
	   "... the next batch answered, the lost one's late answers ignored");
	/* An empty commit is fine: nothing to call. */
	memset(ends, 0, sizeof(ends));
	ok(!commit(l, "e") && !ends[0], "empty commit: nothing sent, nothing called");
	xd_local_free(l);
	return tap_done();
}
