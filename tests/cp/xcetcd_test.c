// SPDX-License-Identifier: GPL-2.0
/*
 * libxcetcd against a real etcd (endpoint in argv[1]): unary calls,
 * leases, watches, compaction and the mirror's re-read. TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <xcetcd.h>
#include "tap.h"

struct seen {
	int puts, dels, batches, compacted, closed, synced;
	char log[1024];
};

static void w_events(struct xe_watch *w, const struct xe_event *ev, size_t k,
		     int64_t rev, void *arg)
{
	struct seen *s = arg;

	(void)w;
	(void)rev;
	s->batches++;
	for (size_t i = 0; i < k; i++) {
		if (ev[i].type == XE_PUT)
			s->puts++;
		else
			s->dels++;
		snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log),
			 "%s %s;", ev[i].type == XE_PUT ? "put" : "del",
			 ev[i].kv.key);
	}
	if (s->puts + s->dels >= 4)
		ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void w_compacted(struct xe_watch *w, int64_t rev, void *arg)
{
	(void)w;
	(void)rev;
	((struct seen *)arg)->compacted++;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void w_closed(struct xe_watch *w, const char *why, void *arg)
{
	(void)w;
	(void)why;
	((struct seen *)arg)->closed++;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static const struct xe_watch_ops wops = {
	.events = w_events, .compacted = w_compacted, .closed = w_closed,
};

static void m_put(struct xe_mirror *m, const struct xe_kv *kv,
		  const struct xe_kv *old, void *arg)
{
	struct seen *s = arg;

	(void)m;
	s->puts++;
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log),
		 "%s %s=%s;", old ? "chg" : "put", kv->key, kv->value);
}

static void m_del(struct xe_mirror *m, const struct xe_kv *old, void *arg)
{
	struct seen *s = arg;

	(void)m;
	s->dels++;
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log),
		 "del %s;", old->key);
}

static void m_synced(struct xe_mirror *m, void *arg)
{
	(void)m;
	if (++((struct seen *)arg)->synced >= 2)
		ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static const struct xe_mirror_ops mops = {
	.put = m_put, .del = m_del, .synced = m_synced,
};

static void stop_loop(struct ev_loop *ev, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(ev, EVBREAK_ALL);
}

/* Runs the loop until a callback breaks it or secs pass. */
static void run_for(double secs)
{
	ev_timer t;

	ev_timer_init(&t, stop_loop, secs, 0.);
	ev_timer_start(EV_DEFAULT, &t);
	ev_run(EV_DEFAULT, 0);
	ev_timer_stop(EV_DEFAULT, &t);
}

static void txn_done(int r, void *arg)
{
	*(int *)arg = r;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

struct batch_seen {
	int calls, r;
	size_t n;
	int64_t lease;
};

static void batch_done(int r, const struct xe_op *ops, size_t n, double ms,
		       void *arg)
{
	struct batch_seen *bs = arg;

	(void)ms;
	bs->calls++;
	bs->r = r;
	bs->n = n;
	bs->lease = n ? ops[0].lease : 0;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

/* The answer of an asynchronous call, and the loop's ticks before it. */
struct answer {
	int r, ticks_before;
	bool done, swapped;
	int64_t id, ttl, revision;
	size_t n;
	char value[64];
	int *ticks;
};

static void answered(int r, struct xe_result *res, void *arg)
{
	struct answer *a = arg;

	a->r = r;
	a->done = true;
	a->ticks_before = a->ticks ? *a->ticks : 0;
	a->swapped = res->swapped;
	a->id = res->id;
	a->ttl = res->ttl;
	a->revision = res->revision;
	a->n = res->kvs.n;
	if (res->kvs.n)
		snprintf(a->value, sizeof(a->value), "%s",
			 res->kvs.kv[0].value);
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

/* Runs the loop until the answer (or secs). */
static struct answer *await(struct answer *a, double secs)
{
	if (!a->done)
		run_for(secs);
	return a;
}

static void tick(struct ev_loop *ev, ev_timer *t, int revents)
{
	(void)ev;
	(void)revents;
	(*(int *)t->data)++;
}

/* A TCP port that takes connections and never answers (nobody accepts):
 * an etcd that hangs. */
static int blackhole(char *url, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 16) || getsockname(fd, (struct sockaddr *)&sin, &sl))
		return -1;
	snprintf(url, len, "http://127.0.0.1:%u", ntohs(sin.sin_port));
	return fd;
}

struct kept {
	int fresh;
	int64_t id;
};

static void k_fresh(struct xe_keeper *k, int64_t id, void *arg)
{
	struct kept *kp = arg;

	(void)k;
	kp->fresh++;
	kp->id = id;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static const struct xe_keeper_ops kops = { .fresh = k_fresh };

/* The asynchronous calls, against etcd and against a hanging etcd. */
static void test_async(struct xe_loop *l, struct xe_client *c)
{
	struct answer a = { 0 }, b = { 0 };
	struct xe_req *q;
	struct kept kp = { 0 };
	struct xe_keeper *k;
	int64_t lease, rev;
	char url[64];
	int fd, ticks = 0;
	ev_timer t;

	ok(!xe_put_start(l, c, "/a/k", "v1", 0, answered, &a, &q) && q,
	   "async put: sent");
	ok(!await(&a, 10)->r && a.revision > 0, "... answered with the revision");
	rev = a.revision;
	memset(&a, 0, sizeof(a));
	xe_range_start(l, c, "/a/", true, 0, answered, &a, &q);
	ok(!await(&a, 10)->r && a.n == 1 && !strcmp(a.value, "v1"),
	   "async range reads it");
	memset(&a, 0, sizeof(a));
	xe_cas_start(l, c, "/a/k", rev + 100, "v2", 0, answered, &a, &q);
	ok(!await(&a, 10)->r && !a.swapped,
	   "async cas on another revision: not swapped");
	memset(&a, 0, sizeof(a));
	xe_cas_start(l, c, "/a/k", rev, "v2", 0, answered, &a, &q);
	ok(!await(&a, 10)->r && a.swapped, "async cas on its revision: swapped");
	memset(&a, 0, sizeof(a));
	xe_lease_grant_start(l, c, 30, answered, &a, &q);
	ok(!await(&a, 10)->r && a.id, "async lease grant");
	lease = a.id;
	memset(&a, 0, sizeof(a));
	xe_lease_keepalive_start(l, c, lease, answered, &a, &q);
	ok(!await(&a, 10)->r && a.ttl > 0, "async keepalive");
	memset(&a, 0, sizeof(a));
	xe_lease_revoke_start(l, c, lease, answered, &a, &q);
	ok(!await(&a, 10)->r, "async revoke");
	memset(&a, 0, sizeof(a));
	xe_lease_keepalive_start(l, c, lease, answered, &a, &q);
	ok(await(&a, 10)->r == -ENOENT,
	   "async keepalive of the revoked lease: -ENOENT");
	memset(&a, 0, sizeof(a));
	xe_put_start(l, c, "/a/k", "v3", 0, answered, &a, &q);
	xe_req_cancel(q);
	run_for(0.5);
	ok(!a.done, "a cancelled request does not answer");
	xe_delete(c, "/a/", true, NULL);

	/* A lease adopted, and one that is gone: the keeper asks on the
	 * loop, xe_keeper_new() returns before the answer. */
	xe_lease_grant(c, 30, &lease);
	k = xe_keeper_new(l, c, 30, lease, &kops, &kp);
	ok(k && !xe_keeper_id(k) && !kp.fresh,
	   "keeper: returns at once, the lease not yet known");
	run_for(10);
	ok(kp.fresh == 1 && kp.id == lease && xe_keeper_id(k) == lease,
	   "... adopts the live lease it was given");
	xe_keeper_free(k, true);
	memset(&kp, 0, sizeof(kp));
	k = xe_keeper_new(l, c, 30, lease, &kops, &kp);
	run_for(10);
	ok(kp.fresh == 1 && kp.id && kp.id != lease,
	   "... grants a new one when the given lease is gone");
	xe_keeper_free(k, true);

	/* An etcd that takes the connection and never answers: the loop
	 * runs its timers meanwhile, and the call times out. */
	fd = blackhole(url, sizeof(url));
	if (fd < 0) {
		ok(0, "blackhole socket");
		return;
	}
	struct xe_client *hung = xe_client_new(url, "cloud H");
	double t0 = ev_time();

	ev_timer_init(&t, tick, 0.1, 0.1);
	t.data = &ticks;
	ev_timer_start(EV_DEFAULT, &t);
	memset(&a, 0, sizeof(a));
	a.ticks = &ticks;
	b.ticks = &ticks;
	ok(!xe_cas_start(l, hung, "/k", 0, "v", 0, answered, &a, &q),
	   "async call to a hanging etcd: sent, returns at once");
	ok(ev_time() - t0 < 0.5, "... (in under 0.5 s)");
	xe_lease_keepalive_start(l, hung, 1, answered, &b, &q);
	await(&a, 20);
	if (!b.done)
		await(&b, 20);
	ev_timer_stop(EV_DEFAULT, &t);
	printf("# answered after %.1f s, %d ticks of 0.1 s before\n",
	       ev_time() - t0, a.ticks_before);
	ok(a.done && a.r && strstr(xe_strerror(hung), "cannot reach"),
	   "... answers with an error once the call times out");
	ok(a.ticks_before >= 20,
	   "... and a 0.1 s timer kept firing meanwhile (20 times at least)");
	ok(b.done && b.r, "... a second request on its way too");
	xe_client_free(hung);
	close(fd);
}

static int64_t compact_now(struct xe_client *c)
{
	struct xe_kvs kvs;
	char cmd[512];
	int64_t rev;

	xe_range(c, "/", false, 0, &kvs);
	rev = kvs.revision;
	xe_kvs_free(&kvs);
	snprintf(cmd, sizeof(cmd),
		 "curl -sf %s/v3/kv/compaction -d '{\"revision\":\"%lld\"}' >/dev/null",
		 xe_endpoint(c), (long long)rev);
	return system(cmd) ? -1 : rev;
}

int main(int argc, char **argv)
{
	struct xe_client *c, *dead;
	struct xe_loop *l;
	struct xe_kvs kvs;
	struct seen s;
	int64_t rev, rev1, lease, ttl, cnt;
	struct xe_mirror *m;
	struct xe_watch *w;
	bool swapped;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ETCD-URL\n", argv[0]);
		return 2;
	}
	printf("TAP version 13\n");
	c = xe_client_new(argv[1], "test");
	l = xe_loop_new(EV_DEFAULT);

	dead = xe_client_new("http://127.0.0.1:1", "cloud Z");
	r = xe_put(dead, "/k", "v", 0, NULL);
	ok(r == -ECONNREFUSED, "unreachable etcd: -ECONNREFUSED");
	ok(strstr(xe_strerror(dead), "cloud Z") &&
	   strstr(xe_strerror(dead), "127.0.0.1:1"),
	   "... and the message names the cloud and endpoint");
	xe_client_free(dead);

	ok(!xe_put(c, "/t/a", "1", 0, &rev1), "put");
	ok(!xe_put(c, "/t/b", "2", 0, NULL) && !xe_put(c, "/t/c", "3", 0, NULL) &&
	   !xe_put(c, "/tz", "x", 0, NULL), "more puts");
	ok(!xe_range(c, "/t/", true, 0, &kvs) && kvs.n == 3 &&
	   !strcmp(kvs.kv[1].key, "/t/b") && !strcmp(kvs.kv[1].value, "2"),
	   "prefix range returns exactly the prefix, in order");
	xe_kvs_free(&kvs);
	ok(!xe_range(c, "/t/", true, rev1, &kvs) && kvs.n == 1,
	   "range at an older revision");
	xe_kvs_free(&kvs);
	ok(!xe_range(c, "/t/none", false, 0, &kvs) && kvs.n == 0 &&
	   kvs.revision > rev1, "absent key: empty with the revision");
	xe_kvs_free(&kvs);

	ok(!xe_cas(c, "/t/new", 0, "v", 0, &swapped) && swapped,
	   "cas creates an absent key");
	ok(!xe_cas(c, "/t/new", 0, "w", 0, &swapped) && !swapped,
	   "cas refuses when the key exists");
	xe_range(c, "/t/new", false, 0, &kvs);
	ok(!xe_cas(c, "/t/new", kvs.kv[0].mod_revision, NULL, 0, &swapped) &&
	   swapped, "cas deletes at the right revision");
	xe_kvs_free(&kvs);
	ok(!xe_delete(c, "/t/", true, &cnt) && cnt == 3, "prefix delete counts");
	ok(!xe_range(c, "/tz", false, 0, &kvs) && kvs.n == 1,
	   "prefix delete spares the neighbour key");
	xe_kvs_free(&kvs);

	/* More operations than etcd's default --max-txn-ops (128): the
	 * library splits them into transactions etcd takes. */
	{
		static char keys[300][16];
		struct xe_op ops[300];

		for (int i = 0; i < 300; i++) {
			snprintf(keys[i], sizeof(keys[i]), "/x/%03d", i);
			ops[i] = (struct xe_op){ keys[i], "v", 0 };
		}
		ok(!xe_txn(c, ops, 300) && !xe_range(c, "/x/", true, 0, &kvs) &&
		   kvs.n == 300, "txn of 300 puts on a default etcd");
		xe_kvs_free(&kvs);
		for (int i = 0; i < 300; i++)
			ops[i].value = NULL;
		ok(!xe_txn(c, ops, 300) && !xe_range(c, "/x/", true, 0, &kvs) &&
		   kvs.n == 0, "... and of 300 deletes");
		xe_kvs_free(&kvs);

		/* The same on the loop, on a client that still tries 1000
		 * operations per transaction. */
		struct xe_client *c2 = xe_client_new(argv[1], "test2");
		struct xe_txnreq *req;
		int done = 1;

		for (int i = 0; i < 300; i++)
			ops[i].value = "w";
		r = xe_txn_start(l, c2, ops, 300, txn_done, &done, &req);
		ok(!r && req, "asynchronous txn of 300 puts: sent");
		run_for(10);
		ok(!done && !xe_range(c, "/x/", true, 0, &kvs) && kvs.n == 300 &&
		   !strcmp(kvs.kv[299].value, "w"),
		   "... answered, all written (in chunks etcd takes)");
		xe_kvs_free(&kvs);
		xe_client_free(c2);
		done = 1;
		c2 = xe_client_new("http://127.0.0.1:1", "cloud Z");
		xe_txn_start(l, c2, ops, 1, txn_done, &done, &req);
		run_for(10);
		ok(done == -ECONNREFUSED && strstr(xe_strerror(c2), "cannot reach"),
		   "asynchronous txn to an unreachable etcd: -ECONNREFUSED");
		xe_client_free(c2);
		xe_delete(c, "/x/", true, NULL);
	}

	/* The write batcher: writes made together share a transaction, a
	 * key's last write wins, and a failure names what was in it. */
	{
		struct batch_seen bs = { 0 };
		struct xe_batch *b = xe_batch_new(l, c, 0.05, 256, batch_done,
						  &bs);
		struct xe_client *c2;
		char key[16];

		for (int i = 0; i < 40; i++) {
			snprintf(key, sizeof(key), "/b/%02d", i % 20);
			xe_batch_add(b, key, i < 20 ? "old" : "new", 0);
		}
		xe_batch_add(b, "/b/05", NULL, 0);
		ok(xe_batch_queued(b) == 41 && !xe_batch_busy(b),
		   "batch: 41 writes queued, none sent before the loop runs");
		run_for(10);
		ok(bs.calls == 1 && !bs.r && bs.n == 20,
		   "... one transaction of 20 operations (the last write of each key)");
		ok(!xe_range(c, "/b/", true, 0, &kvs) && kvs.n == 19 &&
		   !strcmp(kvs.kv[0].value, "new"),
		   "... the last value of each key, the deleted key gone");
		xe_kvs_free(&kvs);
		xe_batch_free(b);
		xe_delete(c, "/b/", true, NULL);

		c2 = xe_client_new("http://127.0.0.1:1", "cloud Z");
		b = xe_batch_new(l, c2, 0.01, 256, batch_done, &bs);
		bs = (struct batch_seen){ 0 };
		xe_batch_add(b, "/b/x", "v", 7);
		run_for(10);
		ok(bs.calls == 1 && bs.r == -ECONNREFUSED && bs.n == 1 &&
		   bs.lease == 7, "batch to an unreachable etcd: done names the write");
		xe_batch_free(b);
		xe_client_free(c2);
	}

	/* Large values: 120 puts of 16,000 bytes are 1.9 MB (2.6 MB as
	 * sent), over etcd's --max-request-bytes (1.5 MiB) in one request
	 * although under its 128 operations: the library keeps each
	 * transaction under XE_TXN_BYTES. */
	{
		static char keys[120][16], big[16001];
		struct xe_op ops[120];

		memset(big, 'v', 16000);
		for (int i = 0; i < 120; i++) {
			snprintf(keys[i], sizeof(keys[i]), "/y/%03d", i);
			ops[i] = (struct xe_op){ keys[i], big, 0 };
		}
		ok(!xe_txn(c, ops, 120) && !xe_range(c, "/y/", true, 0, &kvs) &&
		   kvs.n == 120, "txn of 120 puts of 16,000 bytes: in requests etcd takes");
		xe_kvs_free(&kvs);
		xe_delete(c, "/y/", true, NULL);
	}

	ok(!xe_lease_grant(c, 30, &lease) && lease, "lease grant");
	ok(!xe_put(c, "/l/k", "v", lease, NULL), "put under the lease");
	ok(!xe_lease_keepalive(c, lease, &ttl) && ttl > 0, "keepalive");
	ok(!xe_lease_revoke(c, lease), "revoke");
	ok(!xe_range(c, "/l/", true, 0, &kvs) && kvs.n == 0,
	   "revoked lease takes its key");
	xe_kvs_free(&kvs);
	ok(xe_lease_keepalive(c, lease, &ttl) == -ENOENT,
	   "keepalive of a dead lease: -ENOENT");

	test_async(l, c);

	rev = compact_now(c);
	ok(rev > 0 && xe_range(c, "/", true, rev1, &kvs) == -ESTALE,
	   "range at a compacted revision: -ESTALE");
	ok(strstr(xe_strerror(c), "compacted") != NULL,
	   "... with etcd's message");

	memset(&s, 0, sizeof(s));
	w = xe_watch_start(l, c, "/w/", true, rev + 1, &wops, &s);
	xe_put(c, "/w/1", "a", 0, NULL);
	xe_put(c, "/w/2", "b", 0, NULL);
	xe_put(c, "/x/other", "b", 0, NULL);
	xe_delete(c, "/w/1", false, NULL);
	xe_put(c, "/w/3", "c", 0, NULL);
	run_for(5);
	ok(s.puts == 3 && s.dels == 1, "watch sees the prefix's events");
	ok(!strcmp(s.log, "put /w/1;put /w/2;del /w/1;put /w/3;"),
	   "... in order");
	xe_watch_stop(w);

	memset(&s, 0, sizeof(s));
	w = xe_watch_start(l, c, "/w/", true, rev1, &wops, &s);
	run_for(5);
	ok(s.compacted == 1 && !s.closed,
	   "watch from a compacted revision reports compaction");

	memset(&s, 0, sizeof(s));
	w = xe_watch_start(l, xe_client_new("http://127.0.0.1:1", "z"), "/",
			   true, 0, &wops, &s);
	run_for(5);
	ok(s.closed == 1, "watch on an unreachable etcd reports closed");

	/* Mirror: read, then (before its watch is even sent) change and
	 * compact: it must read again and report only the differences. */
	xe_delete(c, "/", true, NULL);
	xe_put(c, "/m/a", "1", 0, NULL);
	xe_put(c, "/m/b", "2", 0, NULL);
	memset(&s, 0, sizeof(s));
	m = xe_mirror_new(l, c, "/m/", &mops, &s);
	ok(!xe_mirror_start(m) && s.puts == 2 && s.synced == 1 &&
	   xe_mirror_count(m) == 2, "mirror reads the prefix");
	s.log[0] = '\0';
	s.puts = s.dels = 0;
	xe_put(c, "/m/b", "22", 0, NULL);
	xe_delete(c, "/m/a", false, NULL);
	xe_put(c, "/m/c", "3", 0, NULL);
	xe_put(c, "/m/c", "3", 0, NULL);
	compact_now(c);
	run_for(5);
	ok(s.synced == 2, "mirror reads again after compaction");
	ok(!strcmp(s.log, "del /m/a;chg /m/b=22;put /m/c=3;"),
	   "... reporting exactly the differences");
	ok(xe_mirror_count(m) == 2 && !strcmp(xe_mirror_get(m, "/m/b")->value, "22"),
	   "... and holds the store's state");
	s.log[0] = '\0';
	xe_put(c, "/m/d", "4", 0, NULL);
	run_for(1);
	ok(!strcmp(s.log, "put /m/d=4;"), "mirror follows the watch afterwards");
	xe_mirror_free(m);

	xe_loop_free(l);
	xe_client_free(c);
	return tap_done();
}
