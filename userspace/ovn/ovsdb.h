/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small client of the OVSDB management protocol (RFC 7047) on a libev
 * loop: one connection to one database, one `monitor` on it, and a local
 * replica of the monitored tables. Non-blocking throughout: connect, read
 * and write are driven by the loop.
 *
 * After every (re)connection the replica is emptied and filled again from
 * the monitor's reply (the server's whole state), then kept current by
 * `update` notifications. The server's `echo` requests are answered; when
 * the server says nothing for a probe interval we send an `echo` of our
 * own, and after two silent intervals the connection is taken for dead.
 * A lost or refused connection is retried with backoff (100 ms .. 5 s).
 */
#ifndef XCLOUD_OVSDB_H
#define XCLOUD_OVSDB_H

#include <stdbool.h>
#include <ev.h>

struct json_object;
struct ovsdb;

struct ovsdb_ops {
	/* The replica holds the server's whole state (after each connect). */
	void (*synced)(struct ovsdb *db, void *arg);
	/* An update notification changed the replica. */
	void (*changed)(struct ovsdb *db, void *arg);
	/* The connection is gone (or could not be made): why; once per
	 * loss and reason. The replica keeps its last state, flagged not
	 * ready. */
	void (*lost)(struct ovsdb *db, const char *why, void *arg);
};

/*
 * @name: for messages ("NB"); @remote: "unix:PATH" or "tcp:ADDR:PORT"
 * (a numeric address, IPv6 in brackets); @database: "OVN_Northbound";
 * @monitor: the monitor requests as JSON text, an object of table name ->
 * <monitor-request> ({"NAT":{},"Logical_Router":{"columns":["nat"]}});
 * @probe: seconds of silence before an echo (0: 5).
 * NULL with *err set on a bad remote or request.
 */
struct ovsdb *ovsdb_new(struct ev_loop *ev, const char *name,
			const char *remote, const char *database,
			const char *monitor, double probe,
			const struct ovsdb_ops *ops, void *arg,
			char *err, size_t errlen);
/* Connects now (and keeps reconnecting). */
void ovsdb_start(struct ovsdb *db);
void ovsdb_free(struct ovsdb *db);
/* Connected and the replica is the server's state. */
bool ovsdb_ready(const struct ovsdb *db);
const char *ovsdb_name(const struct ovsdb *db);
/* Times a replica was (re)filled from the server. */
unsigned long ovsdb_syncs(const struct ovsdb *db);
/* Connections lost or failed (refused, closed, malformed, silent). */
unsigned long ovsdb_failures(const struct ovsdb *db);

/* The replica of @table: a JSON object of row UUID -> row (column ->
 * OVSDB value); NULL if the table is not monitored. */
struct json_object *ovsdb_table(const struct ovsdb *db, const char *table);
struct json_object *ovsdb_row(const struct ovsdb *db, const char *table,
			      const char *uuid);

/* ---- values in RFC 7047's notation ---- */

/* A string column (or an optional string with one element); else NULL. */
const char *ovsdb_str(struct json_object *row, const char *col);
/* The value of @key in a map column of strings; else NULL. */
const char *ovsdb_map_get(struct json_object *row, const char *col,
			  const char *key);
/*
 * The UUIDs in a column of uuid type (a single ["uuid", U] or a set of
 * them): the number of them, the first @max into @out (pointers into the
 * row).
 */
size_t ovsdb_uuids(struct json_object *row, const char *col,
		   const char **out, size_t max);

#endif
