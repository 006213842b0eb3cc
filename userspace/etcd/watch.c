// SPDX-License-Identifier: GPL-2.0
/*
 * Watches: long-lived POST /v3/watch streams, one JSON object per message,
 * driven by a libcurl multi handle whose sockets and timer live on a libev
 * loop (the pattern of curl's own evhiperfifo example). The same multi
 * handle carries the asynchronous transactions (txn_async.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "internal.h"

struct xe_loop {
	struct ev_loop *ev;
	CURLM *multi;
	ev_timer timer;
};

struct xe_sock {
	ev_io io;
	struct xe_loop *l;
	curl_socket_t fd;
};

struct xe_watch {
	struct xe_xfer x;	/* first: CURLINFO_PRIVATE */
	struct xe_loop *l;
	struct xe_client *c;
	CURL *curl;
	struct curl_slist *hdrs;
	char *body;
	json_tokener *tok;
	const struct xe_watch_ops *ops;
	void *arg;
	char *key;
	unsigned long gen;	/* the token this stream sent (xe_auth_drop) */
	bool prefix;
	int64_t next_rev;	/* where a new stream starts (0: now) */
	size_t at, tries;	/* the member of this stream; failures in a row */
	double backoff;
	ev_timer again;		/* the next stream */
	bool in_cb;		/* inside a libcurl callback: free later */
	bool stopped;
	bool final;		/* compacted or canceled: no new stream */
	char why[256];
};

static void xe_check_done(struct xe_loop *l);

static void xe_watch_drop_stream(struct xe_watch *w)
{
	if (w->curl) {
		curl_multi_remove_handle(w->l->multi, w->curl);
		curl_easy_cleanup(w->curl);
		w->curl = NULL;
	}
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	free(w->body);
	w->body = NULL;
}

static void xe_watch_free(struct xe_watch *w)
{
	ev_timer_stop(w->l->ev, &w->again);
	xe_watch_drop_stream(w);
	if (w->tok)
		json_tokener_free(w->tok);
	free(w->key);
	free(w);
}

static int xe_watch_connect(struct xe_watch *w);

static void xe_sock_cb(struct ev_loop *ev, ev_io *io, int revents)
{
	struct xe_sock *s = (struct xe_sock *)io;
	struct xe_loop *l = s->l;	/* s may be freed in the action */
	int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		     (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	(void)ev;
	curl_multi_socket_action(l->multi, s->fd, action, &running);
	xe_check_done(l);
}

static int xe_socket_fn(CURL *e, curl_socket_t fd, int what, void *userp,
			void *sockp)
{
	struct xe_loop *l = userp;
	struct xe_sock *s = sockp;
	int events;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			ev_io_stop(l->ev, &s->io);
			free(s);
			curl_multi_assign(l->multi, fd, NULL);
		}
		return 0;
	}
	events = (what & CURL_POLL_IN ? EV_READ : 0) |
		 (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->l = l;
		s->fd = fd;
		curl_multi_assign(l->multi, fd, s);
	} else {
		ev_io_stop(l->ev, &s->io);
	}
	ev_io_init(&s->io, xe_sock_cb, fd, events);
	ev_io_start(l->ev, &s->io);
	return 0;
}

static void xe_timer_cb(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct xe_loop *l = t->data;
	int running;

	(void)ev;
	(void)revents;
	curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	xe_check_done(l);
}

static int xe_timer_fn(CURLM *multi, long ms, void *userp)
{
	struct xe_loop *l = userp;

	(void)multi;
	ev_timer_stop(l->ev, &l->timer);
	if (ms >= 0) {
		ev_timer_set(&l->timer, ms / 1000.0, 0.);
		ev_timer_start(l->ev, &l->timer);
	}
	return 0;
}

struct xe_loop *xe_loop_new(struct ev_loop *ev)
{
	struct xe_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(l);
		return NULL;
	}
	l->ev = ev;
	l->multi = curl_multi_init();
	if (!l->multi) {
		free(l);
		return NULL;
	}
	ev_timer_init(&l->timer, xe_timer_cb, 0., 0.);
	l->timer.data = l;
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, xe_socket_fn);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, xe_timer_fn);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	return l;
}

void xe_loop_free(struct xe_loop *l)
{
	if (!l)
		return;
	ev_timer_stop(l->ev, &l->timer);
	curl_multi_cleanup(l->multi);
	free(l);
}

static void xe_watch_again(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct xe_watch *w = t->data;

	(void)ev;
	(void)revents;
	if (xe_watch_connect(w) && !ev_is_active(&w->again)) {
		ev_timer_set(&w->again, xe_backoff_next(&w->backoff), 0.);
		ev_timer_start(w->l->ev, &w->again);
	}
}

/*
 * The stream is over: unless the owner stopped it, start another one on
 * the next member (when the owner handles lost), or tell and free.
 */
static void xe_watch_done(struct xe_xfer *x, int result)
{
	struct xe_watch *w = (struct xe_watch *)x;
	long status = 0;

	if (w->stopped) {
		xe_watch_free(w);
		return;
	}
	if (result == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!w->why[0])
		snprintf(w->why, sizeof(w->why),
			 "watch stream of %s ended: %s", w->c->ep[w->at],
			 result == CURLE_OK ? "closed by etcd" :
			 curl_easy_strerror(result));
	/* Whoever reports first moves the client; the others follow. */
	xe_failover(w->c, w->at, w->why);
	if (w->ops->lost && !w->final) {
		double delay = ++w->tries < w->c->nep ? 0. :
			       xe_backoff_next(&w->backoff);

		xe_watch_drop_stream(w);
		w->in_cb = true;
		w->ops->lost(w, w->why, w->arg);
		w->in_cb = false;
		if (w->stopped) {
			xe_watch_free(w);
			return;
		}
		w->why[0] = '\0';
		ev_timer_set(&w->again, delay, 0.);
		ev_timer_start(w->l->ev, &w->again);
		return;
	}
	if (w->ops->closed) {
		w->in_cb = true;
		w->ops->closed(w, w->why, w->arg);
	}
	xe_watch_free(w);
}

static void xe_check_done(struct xe_loop *l)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(l->multi, &left))) {
		struct xe_xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&x);
		if (x)
			x->done(x, msg->data.result);
	}
}

/* Handles one message of the stream; false ends the watch. */
static bool xe_watch_message(struct xe_watch *w, struct json_object *msg)
{
	struct json_object *res, *events, *err;
	struct xe_event *ev;
	int64_t rev;
	size_t n;

	if (json_object_object_get_ex(msg, "error", &err)) {
		snprintf(w->why, sizeof(w->why), "watch on %s failed: %s",
			 w->c->ep[w->at], json_object_get_string(err));
		if (xe_token_refused(msg))	/* the next stream gets another */
			xe_auth_drop(w->c, w->gen);
		return false;
	}
	if (!json_object_object_get_ex(msg, "result", &res))
		return true;
	if (json_object_get_boolean(json_object_object_get(res, "created"))) {
		if (!w->next_rev)	/* events from here on: none is lost */
			w->next_rev = xe_json_i64(json_object_object_get(res,
						  "header"), "revision") + 1;
		w->tries = 0;
		w->backoff = 0;
		if (w->ops->created) {
			w->ops->created(w, w->arg);
			if (w->stopped)
				return false;
		}
	}
	if (xe_json_i64(res, "compact_revision")) {
		w->stopped = true;
		if (w->ops->compacted)
			w->ops->compacted(w, xe_json_i64(res, "compact_revision"),
					  w->arg);
		return false;
	}
	if (json_object_get_boolean(json_object_object_get(res, "canceled"))) {
		const char *why = json_object_get_string(
			json_object_object_get(res, "cancel_reason"));

		/* A member knows a simple token only while it is used
		 * there: a new member may refuse it; the next stream
		 * authenticates again. Any other reason is final. */
		if (why && strstr(why, "invalid auth token"))
			xe_auth_drop(w->c, w->gen);
		else
			w->final = true;
		snprintf(w->why, sizeof(w->why), "watch on %s canceled: %s",
			 w->c->ep[w->at], why ?: "no reason");
		return false;
	}
	if (!json_object_object_get_ex(res, "events", &events))
		return true;	/* created, or progress */
	rev = xe_json_i64(json_object_object_get(res, "header"), "revision");
	n = json_object_array_length(events);
	ev = calloc(n ? n : 1, sizeof(*ev));
	if (!ev) {
		snprintf(w->why, sizeof(w->why), "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(events, i);
		struct json_object *t, *kv;

		ev[i].type = json_object_object_get_ex(e, "type", &t) &&
			     !strcmp(json_object_get_string(t), "DELETE") ?
			     XE_DELETE : XE_PUT;
		if (!json_object_object_get_ex(e, "kv", &kv) ||
		    xe_kv_from_json(kv, &ev[i].kv)) {
			snprintf(w->why, sizeof(w->why),
				 "malformed watch event from %s",
				 w->c->ep[w->at]);
			for (size_t j = 0; j < i; j++)
				xe_kv_free(&ev[j].kv);
			free(ev);
			return false;
		}
	}
	/* A new stream resumes after the last event delivered (the header
	 * revision may be ahead of the events of a watch catching up). */
	if (n && ev[n - 1].kv.mod_revision >= w->next_rev)
		w->next_rev = ev[n - 1].kv.mod_revision + 1;
	w->ops->events(w, ev, n, rev, w->arg);
	for (size_t i = 0; i < n; i++)
		xe_kv_free(&ev[i].kv);
	free(ev);
	return !w->stopped;
}

static size_t xe_watch_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xe_watch *w = arg;
	size_t len = size * nmemb, off = 0;

	w->in_cb = true;
	while (off < len && !w->stopped) {
		struct json_object *msg;
		enum json_tokener_error e;
		bool go_on;

		/* Whitespace between messages is not part of any object. */
		if (p[off] == '\n' || p[off] == '\r' || p[off] == ' ') {
			off++;
			continue;
		}
		msg = json_tokener_parse_ex(w->tok, p + off, (int)(len - off));
		e = json_tokener_get_error(w->tok);
		if (!msg && e == json_tokener_continue)
			break;	/* the rest of this object comes later */
		if (!msg) {
			snprintf(w->why, sizeof(w->why),
				 "bad JSON in watch stream of %s: %s",
				 w->c->ep[w->at], json_tokener_error_desc(e));
			w->in_cb = false;
			return 0;
		}
		off += json_tokener_get_parse_end(w->tok);
		json_tokener_reset(w->tok);
		go_on = xe_watch_message(w, msg);
		json_object_put(msg);
		if (!go_on) {
			w->in_cb = false;
			return 0;	/* ends the transfer */
		}
	}
	w->in_cb = false;
	return w->stopped ? 0 : len;
}

/* Opens a stream from next_rev on the client's current member. */
static int xe_watch_connect(struct xe_watch *w)
{
	struct json_object *req = json_object_new_object();
	struct json_object *create = json_object_new_object();
	int r = xe_auth_ensure(w->c);

	xe_watch_drop_stream(w);
	json_tokener_reset(w->tok);
	if (r)
		goto fail;
	r = -ENOMEM;
	w->curl = curl_easy_init();
	if (!w->curl)
		goto fail;
	xe_json_add_key(create, w->key, w->prefix);
	if (w->next_rev)
		json_object_object_add(create, "start_revision",
				       json_object_new_int64(w->next_rev));
	json_object_object_add(req, "create_request", create);
	create = NULL;
	w->body = strdup(json_object_to_json_string_ext(req,
						JSON_C_TO_STRING_PLAIN));
	if (!w->body)
		goto fail;
	w->at = w->c->cur;
	w->gen = w->c->auths;
	xe_setup_conn(w->c, w->curl, "/v3/watch", &w->hdrs);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, w->body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, xe_watch_write);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_PRIVATE, w);
	/* A watch may be silent for hours: find dead peers by keepalive. */
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPIDLE, 5L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPINTVL, 2L);
	if (curl_multi_add_handle(w->l->multi, w->curl) != CURLM_OK)
		goto fail;
	json_object_put(req);
	return 0;
fail:
	json_object_put(create);
	json_object_put(req);
	xe_watch_drop_stream(w);
	return r;
}

struct xe_watch *xe_watch_start(struct xe_loop *l, struct xe_client *c,
				const char *key, bool prefix,
				int64_t start_rev,
				const struct xe_watch_ops *ops, void *arg)
{
	struct xe_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->x.done = xe_watch_done;
	w->l = l;
	w->c = c;
	w->ops = ops;
	w->arg = arg;
	w->prefix = prefix;
	w->next_rev = start_rev;
	ev_timer_init(&w->again, xe_watch_again, 0., 0.);
	w->again.data = w;
	w->tok = json_tokener_new();
	w->key = strdup(key);
	if (!w->tok || !w->key || xe_watch_connect(w)) {
		xe_watch_free(w);
		return NULL;
	}
	return w;
}

void xe_watch_stop(struct xe_watch *w)
{
	if (!w)
		return;
	w->stopped = true;
	if (!w->in_cb)
		xe_watch_free(w);
	/* else: the transfer is aborted on return and freed when done. */
}

struct ev_loop *xe_loop_ev(struct xe_loop *l)
{
	return l->ev;
}

void *xe_loop_multi(struct xe_loop *l)
{
	return l->multi;
}
