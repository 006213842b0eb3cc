// SPDX-License-Identifier: GPL-2.0
/*
 * OVSDB JSON-RPC client (RFC 7047 §4): connection, message framing, the
 * monitor and its replica. ovsdb.h says what it does; this file how.
 *
 * Framing: the server sends JSON objects back to back; json-c's tokener
 * takes them incrementally, so a message may arrive in any number of
 * reads and several in one.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ovsdb.h"
#include "xcetcd.h"

/* One message larger than this is taken for a broken stream. */
#define OVSDB_MSG_MAX (256u << 20)

enum state { IDLE, CONNECTING, MONITORING, READY };

struct ovsdb {
	struct ev_loop *ev;
	char *name, *database;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct json_object *request;	/* the monitor requests */
	struct json_object *replica;	/* table -> uuid -> row */
	const struct ovsdb_ops *ops;
	void *arg;

	enum state state;
	int fd;
	ev_io rio, wio;
	ev_timer retry, probe;
	double backoff, probe_s, last_rx;
	/* Reasons told since the last sync: each is logged once. */
	char told[8][256];
	unsigned int ntold;
	struct json_tokener *tok;
	size_t msg_bytes;		/* of the message being parsed */
	char *out;			/* bytes not yet written */
	size_t nout, capout;
	int64_t next_id, monitor_id;
	unsigned long syncs, failures;
};

static int parse_remote(struct ovsdb *db, const char *remote, char *err,
			size_t errlen)
{
	if (!strncmp(remote, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&db->sa;

		if (!remote[5] || strlen(remote + 5) >= sizeof(un->sun_path)) {
			snprintf(err, errlen, "%s: unix socket path empty or too long",
				 remote);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, remote + 5);
		db->salen = sizeof(*un);
		return 0;
	}
	if (!strncmp(remote, "tcp:", 4)) {
		struct addrinfo hints = {
			.ai_socktype = SOCK_STREAM,
			.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		}, *ai;
		char host[64];
		const char *port;
		const char *h = remote + 4;
		size_t hl;

		if (*h == '[') {
			const char *e = strchr(h, ']');

			if (!e || e[1] != ':')
				goto bad;
			hl = e - h - 1;
			h++;
			port = e + 2;
		} else {
			port = strrchr(h, ':');
			if (!port)
				goto bad;
			hl = port - h;
			port++;
		}
		if (!hl || hl >= sizeof(host) || !*port)
			goto bad;
		memcpy(host, h, hl);
		host[hl] = '\0';
		/* Numeric only: a name lookup would block the loop. */
		if (getaddrinfo(host, port, &hints, &ai))
			goto bad;
		memcpy(&db->sa, ai->ai_addr, ai->ai_addrlen);
		db->salen = ai->ai_addrlen;
		freeaddrinfo(ai);
		return 0;
	}
bad:
	snprintf(err, errlen,
		 "%s: not unix:PATH or tcp:ADDRESS:PORT (a numeric address)",
		 remote);
	return -1;
}

const char *ovsdb_name(const struct ovsdb *db)
{
	return db->name;
}

bool ovsdb_ready(const struct ovsdb *db)
{
	return db->state == READY;
}

unsigned long ovsdb_syncs(const struct ovsdb *db)
{
	return db->syncs;
}

unsigned long ovsdb_failures(const struct ovsdb *db)
{
	return db->failures;
}

struct json_object *ovsdb_table(const struct ovsdb *db, const char *table)
{
	struct json_object *t;

	return json_object_object_get_ex(db->replica, table, &t) ? t : NULL;
}

struct json_object *ovsdb_row(const struct ovsdb *db, const char *table,
			      const char *uuid)
{
	struct json_object *t = ovsdb_table(db, table), *r;

	return t && uuid && json_object_object_get_ex(t, uuid, &r) ? r : NULL;
}

/* ---- connection ---- */

static void connect_now(struct ovsdb *db);

static void disconnect(struct ovsdb *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Drops the connection, says why (once per reason until the next sync: a
 * server that fails the same ways at every retry is not logged every
 * time), and retries later. */
static void disconnect(struct ovsdb *db, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	db->failures++;
	ev_io_stop(db->ev, &db->rio);
	ev_io_stop(db->ev, &db->wio);
	ev_timer_stop(db->ev, &db->probe);
	if (db->fd >= 0)
		close(db->fd);
	db->fd = -1;
	db->state = IDLE;
	db->nout = 0;
	db->msg_bytes = 0;
	json_tokener_reset(db->tok);
	ev_timer_stop(db->ev, &db->retry);
	ev_timer_set(&db->retry, xe_backoff_next(&db->backoff), 0.);
	ev_timer_start(db->ev, &db->retry);
	for (unsigned int i = 0; i < db->ntold && i < 8; i++)
		if (!strcmp(db->told[i], why))
			return;
	snprintf(db->told[db->ntold++ % 8], sizeof(db->told[0]), "%s", why);
	if (db->ops->lost)
		db->ops->lost(db, why, db->arg);
}

static void flush_out(struct ovsdb *db)
{
	while (db->nout) {
		ssize_t n = send(db->fd, db->out, db->nout, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(db->ev, &db->wio);
			return;
		}
		if (n < 0) {
			disconnect(db, "cannot send: %s", strerror(errno));
			return;
		}
		memmove(db->out, db->out + n, db->nout - n);
		db->nout -= n;
	}
	ev_io_stop(db->ev, &db->wio);
}

/* Queues one message and writes what the socket takes. */
static int send_msg(struct ovsdb *db, struct json_object *msg)
{
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);

	if (db->nout + len > db->capout) {
		size_t cap = db->capout ? db->capout : 4096;
		char *p;

		while (cap < db->nout + len)
			cap *= 2;
		p = realloc(db->out, cap);
		if (!p)
			return -ENOMEM;
		db->out = p;
		db->capout = cap;
	}
	memcpy(db->out + db->nout, s, len);
	db->nout += len;
	if (db->state != CONNECTING)
		flush_out(db);
	return 0;
}

static int send_request(struct ovsdb *db, const char *method,
			struct json_object *params, int64_t *id)
{
	struct json_object *m = json_object_new_object();
	int r;

	*id = ++db->next_id;
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params", params);
	json_object_object_add(m, "id", json_object_new_int64(*id));
	r = send_msg(db, m);
	json_object_put(m);
	return r;
}

static void send_monitor(struct ovsdb *db)
{
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string(db->database));
	json_object_array_add(p, NULL);	/* monitor id: updates say null */
	json_object_array_add(p, json_object_get(db->request));
	db->state = MONITORING;
	if (send_request(db, "monitor", p, &db->monitor_id))
		disconnect(db, "out of memory");
}

/* ---- replica ---- */

/* Applies <table-updates> (RFC 7047 §4.1.6); NULL, or what is wrong. */
static const char *apply_updates(struct ovsdb *db, struct json_object *u)
{
	if (!json_object_is_type(u, json_type_object))
		return "not an object of tables";
	json_object_object_foreach(u, table, rows) {
		struct json_object *t = ovsdb_table(db, table);

		if (!t)
			return "a table that is not monitored";
		if (!json_object_is_type(rows, json_type_object))
			return "a table's rows not an object";
		json_object_object_foreach(rows, uuid, ru) {
			struct json_object *nrow, *old;

			if (!json_object_is_type(ru, json_type_object))
				return "a row update not an object";
			if (!json_object_object_get_ex(ru, "new", &nrow)) {
				json_object_object_del(t, uuid);
				continue;
			}
			if (!json_object_is_type(nrow, json_type_object))
				return "a row not an object";
			/* A modify's "new" has the monitored columns; merge
			 * rather than replace, whatever the server sent. */
			if (json_object_object_get_ex(t, uuid, &old)) {
				json_object_object_foreach(nrow, col, v)
					json_object_object_add(old, col,
							       json_object_get(v));
			} else {
				json_object_object_add(t, uuid,
						       json_object_get(nrow));
			}
		}
	}
	return NULL;
}

static void replica_clear(struct ovsdb *db)
{
	json_object_put(db->replica);
	db->replica = json_object_new_object();
	json_object_object_foreach(db->request, table, req) {
		(void)req;
		json_object_object_add(db->replica, table,
				       json_object_new_object());
	}
}

/* ---- messages ---- */

static void handle_request(struct ovsdb *db, const char *method,
			   struct json_object *msg)
{
	struct json_object *params = NULL, *id = NULL, *reply;

	json_object_object_get_ex(msg, "params", &params);
	json_object_object_get_ex(msg, "id", &id);
	if (!strcmp(method, "echo")) {
		reply = json_object_new_object();
		json_object_object_add(reply, "id", json_object_get(id));
		json_object_object_add(reply, "result", json_object_get(params));
		json_object_object_add(reply, "error", NULL);
		if (send_msg(db, reply))
			disconnect(db, "out of memory");
		json_object_put(reply);
		return;
	}
	if (!strcmp(method, "update") && db->state == READY) {
		const char *bad = "not [id, updates]";

		if (json_object_is_type(params, json_type_array) &&
		    json_object_array_length(params) == 2)
			bad = apply_updates(db, json_object_array_get_idx(params, 1));
		if (bad) {
			disconnect(db, "malformed update notification (%s)", bad);
			return;
		}
		if (db->ops->changed)
			db->ops->changed(db, db->arg);
	}
	/* Anything else (locks, other monitors) is not ours. */
}

static void handle_reply(struct ovsdb *db, struct json_object *msg)
{
	struct json_object *id, *result = NULL, *error = NULL;
	const char *bad;

	if (!json_object_object_get_ex(msg, "id", &id) ||
	    !json_object_is_type(id, json_type_int) ||
	    json_object_get_int64(id) != db->monitor_id ||
	    db->state != MONITORING)
		return;	/* an echo's answer: last_rx is all it is for */
	json_object_object_get_ex(msg, "result", &result);
	json_object_object_get_ex(msg, "error", &error);
	if (error) {
		disconnect(db, "monitor refused: %s",
			   json_object_to_json_string_ext(error,
							  JSON_C_TO_STRING_PLAIN));
		return;
	}
	replica_clear(db);
	bad = apply_updates(db, result);
	if (bad) {
		disconnect(db, "malformed monitor reply (%s)", bad);
		return;
	}
	db->state = READY;
	db->backoff = 0;
	db->ntold = 0;
	db->syncs++;
	if (db->ops->synced)
		db->ops->synced(db, db->arg);
}

static void handle_msg(struct ovsdb *db, struct json_object *msg)
{
	struct json_object *m;

	if (!json_object_is_type(msg, json_type_object)) {
		disconnect(db, "server sent a JSON %s, not an object",
			   json_type_to_name(json_object_get_type(msg)));
		return;
	}
	if (json_object_object_get_ex(msg, "method", &m) &&
	    json_object_is_type(m, json_type_string))
		handle_request(db, json_object_get_string(m), msg);
	else
		handle_reply(db, msg);
}

static void on_read(struct ev_loop *ev, ev_io *w, int revents)
{
	struct ovsdb *db = w->data;
	char buf[65536];
	ssize_t n;
	size_t off = 0;

	(void)ev;
	(void)revents;
	n = recv(db->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		disconnect(db, "%s", n ? strerror(errno) : "closed by the server");
		return;
	}
	db->last_rx = ev_now(db->ev);
	while (off < (size_t)n && db->fd >= 0) {
		struct json_object *msg;
		enum json_tokener_error e;
		size_t used;

		msg = json_tokener_parse_ex(db->tok, buf + off, n - off);
		e = json_tokener_get_error(db->tok);
		used = json_tokener_get_parse_end(db->tok);
		if (!msg && e == json_tokener_continue) {
			db->msg_bytes += n - off;
			if (db->msg_bytes > OVSDB_MSG_MAX)
				disconnect(db, "a message over %u bytes",
					   OVSDB_MSG_MAX);
			return;
		}
		if (!msg) {
			disconnect(db, "not JSON: %s", json_tokener_error_desc(e));
			return;
		}
		off += used;
		db->msg_bytes = 0;
		json_tokener_reset(db->tok);
		handle_msg(db, msg);
		json_object_put(msg);
		/* Whitespace between messages. */
		while (off < (size_t)n && strchr(" \t\r\n", buf[off]))
			off++;
	}
}

static void on_write(struct ev_loop *ev, ev_io *w, int revents)
{
	struct ovsdb *db = w->data;

	(void)ev;
	(void)revents;
	if (db->state == CONNECTING) {
		int e = 0;
		socklen_t l = sizeof(e);

		getsockopt(db->fd, SOL_SOCKET, SO_ERROR, &e, &l);
		if (e) {
			disconnect(db, "cannot connect: %s", strerror(e));
			return;
		}
		ev_io_stop(db->ev, &db->wio);
		ev_io_start(db->ev, &db->rio);
		db->last_rx = ev_now(db->ev);
		ev_timer_again(db->ev, &db->probe);
		send_monitor(db);
		return;
	}
	flush_out(db);
}

/* Silence for a probe interval: ask; for two: the server is gone. */
static void on_probe(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct ovsdb *db = w->data;
	double quiet = ev_now(ev) - db->last_rx;
	int64_t id;

	(void)revents;
	if (quiet >= 2 * db->probe_s) {
		disconnect(db, "no answer for %.0f s", quiet);
		return;
	}
	if (quiet >= db->probe_s &&
	    send_request(db, "echo", json_object_new_array(), &id))
		disconnect(db, "out of memory");
}

static void connect_now(struct ovsdb *db)
{
	db->fd = socket(db->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (db->fd < 0) {
		disconnect(db, "socket: %s", strerror(errno));
		return;
	}
	db->state = CONNECTING;
	ev_io_set(&db->rio, db->fd, EV_READ);
	ev_io_set(&db->wio, db->fd, EV_WRITE);
	if (connect(db->fd, (struct sockaddr *)&db->sa, db->salen) &&
	    errno != EINPROGRESS) {
		disconnect(db, "cannot connect: %s", strerror(errno));
		return;
	}
	/* Done or in progress: writable tells either way. */
	ev_io_start(db->ev, &db->wio);
}

static void on_retry(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	connect_now(w->data);
}

struct ovsdb *ovsdb_new(struct ev_loop *ev, const char *name,
			const char *remote, const char *database,
			const char *monitor, double probe,
			const struct ovsdb_ops *ops, void *arg,
			char *err, size_t errlen)
{
	struct ovsdb *db = calloc(1, sizeof(*db));

	if (!db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	db->ev = ev;
	db->fd = -1;
	db->ops = ops;
	db->arg = arg;
	db->probe_s = probe > 0 ? probe : 5;
	db->name = strdup(name);
	db->database = strdup(database);
	db->request = json_tokener_parse(monitor);
	db->tok = json_tokener_new();
	if (!db->name || !db->database || !db->tok ||
	    !json_object_is_type(db->request, json_type_object)) {
		snprintf(err, errlen, "bad monitor request or out of memory");
		ovsdb_free(db);
		return NULL;
	}
	if (parse_remote(db, remote, err, errlen)) {
		ovsdb_free(db);
		return NULL;
	}
	replica_clear(db);
	ev_io_init(&db->rio, on_read, -1, EV_READ);
	ev_io_init(&db->wio, on_write, -1, EV_WRITE);
	ev_timer_init(&db->retry, on_retry, 0., 0.);
	ev_init(&db->probe, on_probe);
	db->probe.repeat = db->probe_s / 2;
	db->rio.data = db->wio.data = db->retry.data = db->probe.data = db;
	return db;
}

void ovsdb_start(struct ovsdb *db)
{
	if (db->state == IDLE && !ev_is_active(&db->retry))
		connect_now(db);
}

void ovsdb_free(struct ovsdb *db)
{
	if (!db)
		return;
	if (db->ev) {
		ev_io_stop(db->ev, &db->rio);
		ev_io_stop(db->ev, &db->wio);
		ev_timer_stop(db->ev, &db->retry);
		ev_timer_stop(db->ev, &db->probe);
	}
	if (db->fd >= 0)
		close(db->fd);
	if (db->tok)
		json_tokener_free(db->tok);
	json_object_put(db->request);
	json_object_put(db->replica);
	free(db->out);
	free(db->name);
	free(db->database);
	free(db);
}

/* ---- values ---- */

static struct json_object *col_get(struct json_object *row, const char *col)
{
	struct json_object *v;

	return row && json_object_object_get_ex(row, col, &v) ? v : NULL;
}

/* ["TAG", X] -> X if TAG is @tag. */
static struct json_object *tagged(struct json_object *v, const char *tag)
{
	struct json_object *t;

	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) != 2)
		return NULL;
	t = json_object_array_get_idx(v, 0);
	if (!json_object_is_type(t, json_type_string) ||
	    strcmp(json_object_get_string(t), tag))
		return NULL;
	return json_object_array_get_idx(v, 1);
}

const char *ovsdb_str(struct json_object *row, const char *col)
{
	struct json_object *v = col_get(row, col), *set;

	set = tagged(v, "set");
	if (set) {
		if (!json_object_is_type(set, json_type_array) ||
		    json_object_array_length(set) != 1)
			return NULL;
		v = json_object_array_get_idx(set, 0);
	}
	return json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

const char *ovsdb_map_get(struct json_object *row, const char *col,
			  const char *key)
{
	struct json_object *pairs = tagged(col_get(row, col), "map");
	size_t n;

	if (!json_object_is_type(pairs, json_type_array))
		return NULL;
	n = json_object_array_length(pairs);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pairs, i);
		struct json_object *k = json_object_array_get_idx(p, 0);
		struct json_object *v = json_object_array_get_idx(p, 1);

		if (json_object_is_type(k, json_type_string) &&
		    json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(k), key))
			return json_object_get_string(v);
	}
	return NULL;
}

size_t ovsdb_uuids(struct json_object *row, const char *col,
		   const char **out, size_t max)
{
	struct json_object *v = col_get(row, col), *set, *u;
	size_t n, got = 0;

	u = tagged(v, "uuid");
	if (u) {
		if (!json_object_is_type(u, json_type_string))
			return 0;
		if (max)
			out[0] = json_object_get_string(u);
		return 1;
	}
	set = tagged(v, "set");
	if (!json_object_is_type(set, json_type_array))
		return 0;
	n = json_object_array_length(set);
	for (size_t i = 0; i < n; i++) {
		u = tagged(json_object_array_get_idx(set, i), "uuid");
		if (!json_object_is_type(u, json_type_string))
			continue;
		if (got < max)
			out[got] = json_object_get_string(u);
		got++;
	}
	return got;
}
