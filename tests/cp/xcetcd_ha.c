// SPDX-License-Identifier: GPL-2.0
/*
 * A switch agent's load on a production etcd, through libxcetcd: a lease
 * kept alive, COUNT bindings written under it at RATE per second (one
 * asynchronous transaction at a time, retried when it fails), and a
 * watch of the bindings that must see every one of them, however often
 * the member it talks to dies. On SIGTERM it prints its figures:
 *
 *   written=N failed=F fresh=K lost=L seen=S switches=W auths=A
 *
 * fresh: leases granted (1: the lease survived every switch); lost: watch
 * streams that broke and resumed; seen: distinct keys the watch saw.
 */
#include <getopt.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ev.h>
#include <xcetcd.h>

static struct {
	struct xe_client *c;
	struct xe_loop *l;
	struct xe_keeper *k;
	struct xe_txnreq *txn;
	const char *prefix;
	int count, next, inflight, written, failed, fresh, lost, seen;
	void *keys;
} s;

static void key_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/bindings/100/10.1.%d.%d", s.prefix,
		 i / 250, i % 250 + 1);
}

static void write_next(void);

static void done(int r, void *arg)
{
	(void)arg;
	s.txn = NULL;
	if (r) {
		s.failed++;
		fprintf(stderr, "xcetcd_ha: write of binding %d failed: %s\n",
			s.inflight, xe_strerror(s.c));
		return;		/* the next tick sends it again */
	}
	s.written++;
	s.next++;
}

static void write_next(void)
{
	struct xe_op op;
	char key[128];

	if (s.txn || s.next >= s.count || !xe_keeper_id(s.k))
		return;
	key_of(s.next, key, sizeof(key));
	op.key = key;
	op.value = "{\"node\":\"cnA1\",\"underlay\":\"10.255.0.11\"}";
	op.lease = xe_keeper_id(s.k);
	s.inflight = s.next;
	if (xe_txn_start(s.l, s.c, &op, 1, done, NULL, &s.txn))
		s.failed++;
}

static void tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	(void)ev;
	(void)t;
	(void)revents;
	write_next();
}

static void fresh(struct xe_keeper *k, int64_t id, void *arg)
{
	(void)k;
	(void)arg;
	s.fresh++;
	fprintf(stderr, "xcetcd_ha: lease %llx\n", (unsigned long long)id);
	if (s.fresh > 1)
		s.next = 0;	/* a new lease: every binding again */
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void events(struct xe_watch *w, const struct xe_event *ev, size_t n,
		   int64_t rev, void *arg)
{
	(void)w;
	(void)rev;
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		char *k;

		if (ev[i].type != XE_PUT || tfind(ev[i].kv.key, &s.keys, str_cmp))
			continue;
		k = strdup(ev[i].kv.key);
		if (k && tsearch(k, &s.keys, str_cmp) && ++s.seen == s.count)
			fprintf(stderr, "xcetcd_ha: saw all %d\n", s.count);
	}
}

static void lost(struct xe_watch *w, const char *why, void *arg)
{
	(void)w;
	(void)arg;
	s.lost++;
	fprintf(stderr, "xcetcd_ha: watch lost: %s\n", why);
}

static void closed(struct xe_watch *w, const char *why, void *arg)
{
	(void)w;
	(void)arg;
	fprintf(stderr, "xcetcd_ha: watch over: %s\n", why);
}

static void stop(struct ev_loop *ev, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(ev, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	static const struct xe_watch_ops wops = {
		.events = events, .closed = closed, .lost = lost,
	};
	static const struct xe_keeper_ops kops = { .fresh = fresh };
	struct ev_loop *ev = EV_DEFAULT;
	struct xe_conf conf = { 0 };
	double rate = 20;
	ev_signal sig;
	ev_timer t;
	char err[256], pfx[128];
	long ttl = 10;
	int o;

	s.prefix = "/xcloud";
	s.count = 100;
	while ((o = getopt(argc, argv, "e:C:c:k:u:p:n:r:l:")) != -1) {
		static const char *const keys[] = {
			['e'] = "endpoints", ['C'] = "cacert", ['c'] = "cert",
			['k'] = "key", ['u'] = "user", ['p'] = "password-file",
		};

		if (o == 'n') {
			s.count = atoi(optarg);
		} else if (o == 'r') {
			rate = atof(optarg);
		} else if (o == 'l') {
			ttl = atol(optarg);
		} else if (o != '?' && o < (int)(sizeof(keys) / sizeof(keys[0])) &&
			   keys[o]) {
			if (xe_conf_set(&conf, keys[o], optarg, err, sizeof(err))) {
				fprintf(stderr, "xcetcd_ha: %s\n", err);
				return 2;
			}
		} else {
			return 2;
		}
	}
	if (xe_conf_check(&conf, err, sizeof(err))) {
		fprintf(stderr, "xcetcd_ha: %s\n", err);
		return 2;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	s.c = xe_client_new_conf(&conf, "cloud A");
	s.l = xe_loop_new(ev);
	if (!s.c || !s.l)
		return 1;
	snprintf(pfx, sizeof(pfx), "%s/bindings/", s.prefix);
	if (!xe_watch_start(s.l, s.c, pfx, true, 0, &wops, NULL))
		return 1;
	s.k = xe_keeper_new(s.l, s.c, ttl, 0, &kops, NULL);
	ev_timer_init(&t, tick, 0., 1. / rate);
	ev_timer_start(ev, &t);
	ev_signal_init(&sig, stop, SIGTERM);
	ev_signal_start(ev, &sig);
	ev_run(ev, 0);
	printf("written=%d failed=%d fresh=%d lost=%d seen=%d switches=%lu auths=%lu\n",
	       s.written, s.failed, s.fresh, s.lost, s.seen, xe_switches(s.c),
	       xe_auths(s.c));
	return 0;
}
