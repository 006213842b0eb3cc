/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libxcetcd: a small client of etcd's v3 JSON gateway (libcurl + json-c).
 *
 * Every call has an asynchronous form that runs on a libev loop through
 * the loop's libcurl multi handle (xe_req_start and the xe_*_start calls on
 * it, xe_txn_start, watches, mirrors, the lease keeper): a daemon talks to
 * several etcds and runs its timers in one loop, and a dead, slow or
 * blackholed etcd delays only the answers, never the loop. The
 * synchronous unary calls (xe_range, xe_put, xe_delete, xe_cas, xe_txn,
 * xe_lease_*) block for up to a connect timeout (1 s) plus a call timeout
 * (5 s) per member: they are for command-line tools, tests and exit paths,
 * not for a daemon's loop. On top of watches, a mirror keeps a local copy
 * of a key prefix: it reads the prefix, watches from the read revision,
 * reads again when its revision was compacted or etcd came back, and
 * reports only the differences (its reads are still synchronous calls).
 *
 * Functions return 0 or a negative errno; xe_strerror() of the client says
 * what went wrong in words (etcd's own message where there is one).
 */
#ifndef XCETCD_H
#define XCETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>

struct xe_client;

struct xe_kv {
	char *key;
	char *value;		/* NUL-terminated; value_len excludes the NUL */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t lease;
};

struct xe_kvs {
	struct xe_kv *kv;
	size_t n;
	int64_t revision;	/* store revision the read saw */
};

/*
 * How to reach one etcd cluster: the members' client URLs (a comma list,
 * "https://10.0.0.1:2379,https://10.0.0.2:2379"), TLS files (the CA that
 * signed the members' certificates; a client certificate and its key) and
 * etcd's authentication (user and password). Unused fields are NULL.
 */
#define XE_MAX_ENDPOINTS 16
struct xe_conf {
	char *endpoints;
	char *cacert, *cert, *key;
	char *user, *password;
};

/*
 * Sets one configuration key: endpoints (or etcd), cacert, cert, key,
 * user, password-file (the password is the file's first line; read now).
 * Returns 0, 1 if name is none of these, or -1 with err saying why.
 */
int xe_conf_set(struct xe_conf *conf, const char *name, const char *value,
		char *err, size_t len);
/* Whether the keys set go together; 0 or -1 with err. */
int xe_conf_check(const struct xe_conf *conf, char *err, size_t len);
void xe_conf_free(struct xe_conf *conf);
/* Splits and checks a comma list of endpoints; 0 or -1 with err. */
int xe_conf_endpoints(const char *list, char ***ep, size_t *n, char *err,
		      size_t len);
void xe_endpoints_free(char **ep, size_t n);

/*
 * A client of one cluster; name is used in messages ("cloud A"). Every
 * call goes to one member; when it cannot be reached, times out or
 * answers 5xx, the call is sent to the next member, and the client stays
 * there. With a user, the client authenticates on its first call and again
 * when etcd says the token is invalid (expired, or the member restarted).
 */
struct xe_client *xe_client_new_conf(const struct xe_conf *conf,
				     const char *name);
/* Endpoints only (a comma list), no TLS files, no authentication. */
struct xe_client *xe_client_new(const char *endpoints, const char *name);
void xe_client_free(struct xe_client *c);
const char *xe_strerror(const struct xe_client *c);
/* The member calls go to now. */
const char *xe_endpoint(const struct xe_client *c);
/* Times the client moved to another member, and authenticated. */
unsigned long xe_switches(const struct xe_client *c);
unsigned long xe_auths(const struct xe_client *c);
const char *xe_name(const struct xe_client *c);

/* Reads key, or every key starting with key when prefix; rev 0 = newest.
 * -ESTALE: rev was compacted. */
int xe_range(struct xe_client *c, const char *key, bool prefix, int64_t rev,
	     struct xe_kvs *out);
void xe_kvs_free(struct xe_kvs *kvs);
void xe_kv_free(struct xe_kv *kv);

int xe_put(struct xe_client *c, const char *key, const char *value,
	   int64_t lease, int64_t *revision);
int xe_delete(struct xe_client *c, const char *key, bool prefix,
	      int64_t *deleted);

/*
 * Compare-and-swap: writes value (or deletes the key when value is NULL)
 * only if the key's mod_revision is still expect_mod_rev (0: the key must
 * not exist). *swapped tells whether it did.
 */
int xe_cas(struct xe_client *c, const char *key, int64_t expect_mod_rev,
	   const char *value, int64_t lease, bool *swapped);

/*
 * Unconditional puts (value) and deletes (value NULL) of distinct keys, in
 * as few transactions as etcd takes (up to 1000 operations each, or etcd's
 * default XE_TXN_MAX when it refuses more). Not atomic beyond one
 * transaction: on an error, some chunks may have been written.
 */
#define XE_TXN_MAX 128
/* Bytes of keys and values (base64) one transaction carries at most. */
#define XE_TXN_BYTES (1024 * 1024)
struct xe_op {
	const char *key;
	const char *value;
	int64_t lease;
};
int xe_txn(struct xe_client *c, const struct xe_op *ops, size_t n);

int xe_lease_grant(struct xe_client *c, int64_t ttl, int64_t *id);
/* -ENOENT: the lease expired or was revoked. */
int xe_lease_keepalive(struct xe_client *c, int64_t id, int64_t *ttl);
int xe_lease_revoke(struct xe_client *c, int64_t id);

/* The first key after every key that starts with prefix ("" if none). */
char *xe_prefix_end(const char *prefix);

/* ---- value.c: values and names as the store holds them ---- */
struct json_object;

/* Names of nodes, clouds and routers: at most this many bytes. */
#define XE_NAME_MAX 63
/* The whole of @json (@len bytes) as one JSON object, or NULL and why. */
struct json_object *xe_json_object(const char *json, size_t len, char *why,
				   size_t whylen);
/* The same for a key's value (NULL for no key). */
struct json_object *xe_kv_object(const struct xe_kv *kv);
/* 1..XE_NAME_MAX letters, digits, '.', '-' or '_', the first a letter or
 * digit. */
bool xe_name_ok(const char *s);

/* ---- asynchronous part, on a libev loop ---- */

struct xe_loop;

struct xe_loop *xe_loop_new(struct ev_loop *ev);
void xe_loop_free(struct xe_loop *l);

enum xe_event_type { XE_PUT, XE_DELETE };

struct xe_event {
	enum xe_event_type type;
	struct xe_kv kv;	/* on XE_DELETE only key and mod_revision */
};

struct xe_watch;

struct xe_watch_ops {
	/* A batch of events; revision is the header revision of the batch. */
	void (*events)(struct xe_watch *w, const struct xe_event *ev,
		       size_t n, int64_t revision, void *arg);
	/* The start revision was compacted; the watch is over. */
	void (*compacted)(struct xe_watch *w, int64_t compact_revision,
			  void *arg);
	/* The stream ended (etcd down, closed, error); the watch is over. */
	void (*closed)(struct xe_watch *w, const char *why, void *arg);
	/*
	 * Optional. With it, a stream that breaks does not end the watch:
	 * lost tells, and the watch starts again on the next member from
	 * the revision after the last event it delivered (after backoff
	 * once every member failed in a row); created tells when a stream
	 * is established, the first one included.
	 */
	void (*lost)(struct xe_watch *w, const char *why, void *arg);
	void (*created)(struct xe_watch *w, void *arg);
};

/* Watches key (or its prefix) from start_rev (0 = now). */
struct xe_watch *xe_watch_start(struct xe_loop *l, struct xe_client *c,
				const char *key, bool prefix,
				int64_t start_rev,
				const struct xe_watch_ops *ops, void *arg);
/* Stops and frees; safe to call from any of its callbacks. */
void xe_watch_stop(struct xe_watch *w);

/*
 * Mirror of a prefix. Callbacks see the differences only: put when a key
 * appears or its value changes, del when it goes (old holds the last value
 * seen). synced runs after every complete (re)read and when a watch that
 * broke resumed (on another member); online tells whether
 * the mirror is connected, and changes are reported once per transition.
 */
struct xe_mirror;

struct xe_mirror_ops {
	void (*put)(struct xe_mirror *m, const struct xe_kv *kv,
		    const struct xe_kv *old, void *arg);
	void (*del)(struct xe_mirror *m, const struct xe_kv *old, void *arg);
	void (*synced)(struct xe_mirror *m, void *arg);
	void (*online)(struct xe_mirror *m, bool up, const char *why,
		       void *arg);
};

struct xe_mirror *xe_mirror_new(struct xe_loop *l, struct xe_client *c,
				const char *prefix,
				const struct xe_mirror_ops *ops, void *arg);
/* Reads the prefix and starts watching (retrying in the background when
 * etcd is unreachable; then returns the error but keeps trying). This
 * first read waits for etcd's answer: call it before the loop serves.
 * Every later read (compaction, xe_mirror_refresh, retries) runs on the
 * loop. */
int xe_mirror_start(struct xe_mirror *m);
void xe_mirror_free(struct xe_mirror *m);
const struct xe_kv *xe_mirror_get(const struct xe_mirror *m, const char *key);
size_t xe_mirror_count(const struct xe_mirror *m);
bool xe_mirror_synced(const struct xe_mirror *m);	/* read at least once */
bool xe_mirror_online(const struct xe_mirror *m);
const char *xe_mirror_prefix(const struct xe_mirror *m);
struct xe_client *xe_mirror_client(const struct xe_mirror *m);
/* Reads the prefix again soon (e.g. after a write of ours failed, when
 * values assumed with xe_mirror_assume() may be wrong). */
void xe_mirror_refresh(struct xe_mirror *m);
/* Records a value this process just wrote (or deleted, value NULL) so it
 * is not written again before the watch confirms it. No callback runs. */
void xe_mirror_assume(struct xe_mirror *m, const char *key, const char *value);
/* Calls fn for every key, in key order. */
void xe_mirror_foreach(const struct xe_mirror *m,
		       void (*fn)(const struct xe_kv *kv, void *arg),
		       void *arg);

/*
 * A lease kept alive on the loop, every call asynchronous (keep-alive every ttl/3 seconds, and every
 * second while etcd does not answer; each call fails over to the next
 * member like any other, and the lease lives on there). When the
 * lease is new (granted late because etcd was unreachable, or granted again
 * after it expired), fresh runs: the owner writes its keys again under
 * xe_keeper_id(). online reports losing and regaining etcd, once each.
 */
struct xe_keeper;

struct xe_keeper_ops {
	void (*fresh)(struct xe_keeper *k, int64_t id, void *arg);
	void (*online)(struct xe_keeper *k, bool up, const char *why,
		       void *arg);
};

/*
 * Takes over lease adopt (a previous run's, 0: none) if it is still alive,
 * else grants one. Both are asked on the loop: xe_keeper_id() is 0 until
 * the answer, and fresh runs from the loop then (never from
 * xe_keeper_new()).
 */
struct xe_keeper *xe_keeper_new(struct xe_loop *l, struct xe_client *c,
				int64_t ttl, int64_t adopt,
				const struct xe_keeper_ops *ops, void *arg);
void xe_keeper_free(struct xe_keeper *k, bool revoke);
int64_t xe_keeper_id(const struct xe_keeper *k);	/* 0: none yet */

/*
 * xe_txn on the loop: copies the operations, sends them and returns at
 * once; done runs on the loop when every chunk is written (r 0) or the
 * first one failed (r -errno, xe_strerror(c) says why), and the request is
 * freed after it. Until then the caller may go on, also with synchronous
 * calls (the request has its own connection). Returns 0 (*req set; NULL
 * and done never called if n is 0) or -errno (nothing sent).
 */
struct xe_txnreq;
typedef void (*xe_txn_cb)(int r, void *arg);
int xe_txn_start(struct xe_loop *l, struct xe_client *c,
		 const struct xe_op *ops, size_t n, xe_txn_cb done, void *arg,
		 struct xe_txnreq **req);
/* Abandons a request on its way (done does not run; what etcd already
 * got may still be written). */
void xe_txn_cancel(struct xe_txnreq *req);

/*
 * Writes coalesced into transactions, on the loop. A write (value NULL:
 * a delete) waits up to linger seconds for others to share its
 * transaction; max waiting go at once. One transaction is on its way at a
 * time, so a key's writes reach etcd in order; of a key's writes waiting
 * together only the last is sent. done runs on the loop with the
 * transaction's result, the writes it held (ops, n: borrowed) and the
 * milliseconds it took (it must not free the batch); then what queued
 * up meanwhile goes.
 */
struct xe_batch;
typedef void (*xe_batch_cb)(int r, const struct xe_op *ops, size_t n,
			    double ms, void *arg);
struct xe_batch *xe_batch_new(struct xe_loop *l, struct xe_client *c,
			      double linger, size_t max, xe_batch_cb done,
			      void *arg);
int xe_batch_add(struct xe_batch *b, const char *key, const char *value,
		 int64_t lease);
size_t xe_batch_queued(const struct xe_batch *b);
bool xe_batch_busy(const struct xe_batch *b);	/* a transaction on its way */
/* Forgets what waits and abandons what is on its way (done does not run;
 * etcd may have it). */
void xe_batch_drop(struct xe_batch *b);
void xe_batch_free(struct xe_batch *b);

/*
 * A unary call on the loop: POSTs body (JSON) to the gateway's path
 * ("/v3/kv/range"...) and returns at once; done runs on the loop with 0
 * and etcd's reply (borrowed: freed when done returns) or -errno and NULL
 * (xe_strerror(c) says why). Like the synchronous calls, a request a member
 * fails goes to the next member, and one whose token etcd refused is sent
 * again after authenticating (on the loop too). The request is freed once
 * done returned; until then xe_req_cancel() abandons it (done does not
 * run; etcd may have got it). Returns 0 (*req set) or -errno (nothing
 * sent, done never runs).
 */
struct xe_req;
typedef void (*xe_req_cb)(int r, struct json_object *reply, void *arg);
int xe_req_start(struct xe_loop *l, struct xe_client *c, const char *path,
		 const char *body, xe_req_cb done, void *arg,
		 struct xe_req **req);
/* Not from the request's own done. NULL is fine. */
void xe_req_cancel(struct xe_req *req);

/*
 * The asynchronous forms of the unary calls, on xe_req_start: done gets
 * the call's result in res (valid while done runs; a range's kvs are
 * freed after it unless done takes them, zeroing res->kvs).
 */
struct xe_result {
	int64_t revision;	/* the store's (range, put, delete, cas) */
	bool swapped;		/* cas */
	int64_t deleted;	/* delete */
	int64_t id, ttl;	/* lease grant; ttl of a keep-alive */
	struct xe_kvs kvs;	/* range */
};
typedef void (*xe_result_cb)(int r, struct xe_result *res, void *arg);
int xe_range_start(struct xe_loop *l, struct xe_client *c, const char *key,
		   bool prefix, int64_t rev, xe_result_cb done, void *arg,
		   struct xe_req **req);
int xe_put_start(struct xe_loop *l, struct xe_client *c, const char *key,
		 const char *value, int64_t lease, xe_result_cb done,
		 void *arg, struct xe_req **req);
int xe_delete_start(struct xe_loop *l, struct xe_client *c, const char *key,
		    bool prefix, xe_result_cb done, void *arg,
		    struct xe_req **req);
int xe_cas_start(struct xe_loop *l, struct xe_client *c, const char *key,
		 int64_t expect_mod_rev, const char *value, int64_t lease,
		 xe_result_cb done, void *arg, struct xe_req **req);
/*
 * xe_cas_start with more conditions, all in one transaction: each key in
 * cond must be present (present true) or absent, else nothing is written
 * and res->swapped is false. So two processes deciding the same change
 * from the same state write it once.
 */
struct xe_cond {
	const char *key;
	bool present;
};
int xe_cas_if_start(struct xe_loop *l, struct xe_client *c, const char *key,
		    int64_t expect_mod_rev, const char *value, int64_t lease,
		    const struct xe_cond *cond, size_t ncond,
		    xe_result_cb done, void *arg, struct xe_req **req);
int xe_lease_grant_start(struct xe_loop *l, struct xe_client *c, int64_t ttl,
			 xe_result_cb done, void *arg, struct xe_req **req);
/* r -ENOENT: the lease expired or was revoked. */
int xe_lease_keepalive_start(struct xe_loop *l, struct xe_client *c,
			     int64_t id, xe_result_cb done, void *arg,
			     struct xe_req **req);
int xe_lease_revoke_start(struct xe_loop *l, struct xe_client *c, int64_t id,
			  xe_result_cb done, void *arg, struct xe_req **req);

/* Backoff for reconnects: 100 ms doubling to 5 s. */
double xe_backoff_next(double *cur);

#endif
