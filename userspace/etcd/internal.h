/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the files of libxcetcd. */
#ifndef XCETCD_INTERNAL_H
#define XCETCD_INTERNAL_H

#include <json-c/json.h>
#include "xcetcd.h"

/* Operations per transaction tried first (see xe_txn). */
#define XE_TXN_TRY 1000

struct curl_slist;

struct xe_client {
	char **ep;		/* the members' URLs */
	size_t nep, cur;	/* calls go to ep[cur] */
	char *endpoint;		/* ep[cur] */
	char *name;
	char *cacert, *cert, *key;
	char *user, *password;
	char *token;		/* etcd's auth token, NULL until authenticated */
	void *curl;		/* CURL easy handle, reused: keeps the connection */
	size_t txn_max;		/* operations per transaction we send */
	unsigned long switches, auths;
	char err[256];
};

/* Moves c to the member after ep[failed] (if c still uses it): a failed
 * transfer of any kind reports here, so all calls follow. */
void xe_failover(struct xe_client *c, size_t failed, const char *why);
/* Is this finished transfer (curl result, HTTP status) a member's
 * failure, worth trying on another member? */
bool xe_member_failed(int curl_result, long status);
/* Gets a token when c has a user and none yet; 0 or -errno. */
int xe_auth_ensure(struct xe_client *c);
/* Forgets the token of generation gen (c->auths when it was sent) that
 * etcd refused: the next call authenticates again. */
void xe_auth_drop(struct xe_client *c, unsigned long gen);
/* Did etcd refuse the token of this reply/message ({"error"...})? */
bool xe_token_refused(struct json_object *reply);

struct ev_loop *xe_loop_ev(struct xe_loop *l);

/*
 * A transfer on the loop's curl multi handle (a watch, an asynchronous
 * transaction): CURLINFO_PRIVATE points here, and done runs when curl
 * reports the transfer finished (result: its CURLcode).
 */
struct xe_xfer {
	void (*done)(struct xe_xfer *x, int result);
};
void *xe_loop_multi(struct xe_loop *l);	/* CURLM * */

void xe_seterr(struct xe_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* base64 of etcd's JSON encoding of bytes. */
char *xe_b64_encode(const void *data, size_t len);
/* Decodes into a NUL-terminated buffer; -EINVAL on bad input. */
int xe_b64_decode(const char *s, char **out, size_t *len);

/* int64 fields come as JSON strings ("123") or numbers; absent = 0. */
int64_t xe_json_i64(struct json_object *o, const char *field);
/* Parses one mvccpb.KeyValue into kv (key and value decoded). */
int xe_kv_from_json(struct json_object *o, struct xe_kv *kv);

/* Adds "key" and, for a prefix, "range_end" to a request object. */
void xe_json_add_key(struct json_object *req, const char *key, bool prefix);

/* The body of one transaction of n unconditional puts and deletes. */
char *xe_txn_body(const struct xe_op *ops, size_t n);

/* The next chunk of a transaction of n operations (see client.c). */
bool xe_txn_next(struct xe_client *c, const struct xe_op *ops, int r,
		 size_t n, size_t *off, size_t *k);

/* Parses a finished call's reply (body, HTTP status) into *reply; maps an
 * error reply to an errno and says what went wrong in c's message. */
int xe_reply(struct xe_client *c, const char *path, const char *body,
	     long status, struct json_object **reply);

#define XE_CONNECT_TIMEOUT_MS	1000L
#define XE_CALL_TIMEOUT_MS	5000L

/* A reply being received. */
struct xe_buf {
	char *data;
	size_t len;
};
size_t xe_buf_write(char *p, size_t size, size_t n, void *arg);

/*
 * Sets up curl (an easy handle) for a request to c's current member
 * ep[c->cur] + path: TLS files, timeouts, and headers (the token, when
 * there is one), which *hdrs holds: the caller frees it with
 * curl_slist_free_all() once the transfer is over.
 */
void xe_setup_conn(struct xe_client *c, void *curl, const char *path,
		   struct curl_slist **hdrs);
/* The same, to POST body into buf. body must live until the transfer is
 * over. */
void xe_setup_post(struct xe_client *c, void *curl, const char *path,
		   const char *body, struct xe_buf *buf,
		   struct curl_slist **hdrs);

#define XE_AUTH_PATH "/v3/auth/authenticate"
/* The authentication request of c's user (a secret: xe_secret_free). */
char *xe_auth_body(const struct xe_client *c);
void xe_secret_free(char *s);
/* Takes the token of an authentication that ended with r and reply;
 * 0 or -errno, with c's message saying why. */
int xe_auth_take(struct xe_client *c, int r, struct json_object *reply);

/* The bodies of the unary calls and the readings of their replies
 * (client.c), shared by the synchronous calls and request.c. */
typedef int (*xe_parse_fn)(struct xe_client *c, struct json_object *reply,
			   struct xe_result *res);
struct json_object *xe_range_req(const char *key, bool prefix, int64_t rev);
struct json_object *xe_put_req(const char *key, const char *value,
			       int64_t lease);
struct json_object *xe_delete_req(const char *key, bool prefix);
struct json_object *xe_cas_req(const char *key, int64_t expect_mod_rev,
			       const char *value, int64_t lease);
struct json_object *xe_cas_if_req(const char *key, int64_t expect_mod_rev,
				  const char *value, int64_t lease,
				  const struct xe_cond *cond, size_t ncond);
/* {field: v}: "TTL" for a grant, "ID" for a keep-alive or a revoke. */
struct json_object *xe_lease_req(const char *field, int64_t v);
int xe_range_parse(struct xe_client *c, struct json_object *reply,
		   struct xe_result *res);
int xe_put_parse(struct xe_client *c, struct json_object *reply,
		 struct xe_result *res);
int xe_delete_parse(struct xe_client *c, struct json_object *reply,
		    struct xe_result *res);
int xe_cas_parse(struct xe_client *c, struct json_object *reply,
		 struct xe_result *res);
int xe_grant_parse(struct xe_client *c, struct json_object *reply,
		   struct xe_result *res);
int xe_keepalive_parse(struct xe_client *c, struct json_object *reply,
		       struct xe_result *res);
int xe_none_parse(struct xe_client *c, struct json_object *reply,
		  struct xe_result *res);

/* POSTs req to endpoint/path, parses the reply into *reply. */
int xe_call(struct xe_client *c, const char *path, struct json_object *req,
	    struct json_object **reply);

#endif
