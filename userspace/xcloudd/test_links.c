// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the link cache (links.c, included: its socket is made to
 * overrun), in a network namespace of their own: the first read at start,
 * notifications, and the read again after an overrun, on the loop, with
 * the old links served until it is whole. TAP; skipped without the right
 * to make a namespace.
 */
#include <sched.h>
#include <unistd.h>
#include "links.c"
#include "tap.h"
#include "test_log.h"

static int changes;

static void changed(const char *ifname, void *arg)
{
	(void)ifname;
	(void)arg;
	changes++;
}

/* Runs the loop until nothing is left to read. */
static void settle(struct ev_loop *ev)
{
	for (int i = 0; i < 1000; i++)
		ev_run(ev, EVRUN_NOWAIT);
}

/*
 * Runs the loop until @ifname is up, 5 s at most: the carrier of a veth
 * whose peer comes up is told by the kernel's linkwatch work, later than
 * `ip link set up` returns, and later still on a loaded machine.
 */
static void settle_up(struct ev_loop *ev, struct xd_links *l,
		      const char *ifname)
{
	for (int i = 0; i < 500 && !xd_link_up(l, ifname); i++) {
		settle(ev);
		if (!xd_link_up(l, ifname))
			usleep(10000);
	}
}

int main(void)
{
	struct ev_loop *ev = ev_default_loop(0);
	struct xd_links *l;
	char err[256];
	int small = 1;
	FILE *batch;

	printf("TAP version 13\n");
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add a0 type veth peer name b0 2>/dev/null")) {
		printf("1..0 # SKIP cannot make a network namespace with links\n");
		return 0;
	}
	l = xd_links_new(ev, changed, NULL, err, sizeof(err));
	ok(l && xd_link_index(l, "a0") && xd_link_index(l, "lo") &&
	   !xd_link_up(l, "a0"), "first read at start: the links there");
	if (!l)
		return 1;
	system("ip link set a0 up; ip link set b0 up");
	settle_up(ev, l, "a0");
	ok(xd_link_up(l, "a0") && changes >= 2 && !logged,
	   "notifications: a0 up");

	/* Overrun: a tiny buffer, 200 links made while nobody reads. */
	setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	batch = fopen("/tmp/xcloudd-test-links.batch", "w");
	for (int i = 1; batch && i <= 100; i++)
		fprintf(batch, "link add a%d type veth peer name b%d\n", i, i);
	if (batch) {
		fprintf(batch, "link del a0\n");
		fclose(batch);
	}
	system("ip -batch /tmp/xcloudd-test-links.batch");
	unlink("/tmp/xcloudd-test-links.batch");
	changes = logged = 0;
	links_readable(ev, &l->io, EV_READ);
	ok(logged == 1 && l->dfd >= 0 && xd_link_index(l, "a0") &&
	   !xd_link_index(l, "a100"),
	   "overrun: read again on the loop, the old links served meanwhile");
	settle(ev);
	ok(l->dfd < 0 && !xd_link_index(l, "a0") && xd_link_index(l, "a1") &&
	   xd_link_index(l, "a100") && xd_link_index(l, "b100") &&
	   changes >= 200, "... then the new ones, every link told of");
	small = 1 << 20;
	setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	logged = 0;
	system("ip link set a1 up; ip link set b1 up");
	settle_up(ev, l, "a1");
	ok(xd_link_up(l, "a1") && !logged, "notifications read again after it");
	xd_links_free(l);
	return tap_done();
}
