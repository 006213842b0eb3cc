// SPDX-License-Identifier: GPL-2.0
/*
 * The client on a libev loop: the same connection, checks and replies as
 * client.c's, but the socket is non-blocking and a reply is taken line by
 * line as it arrives, so a slow or hung BIRD costs the loop nothing. One
 * command at a time, as BIRD's protocol has it; the callback may start
 * the next one or close the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ev.h>

#include "internal.h"

struct bird_conn {
	struct bird_client *c;
	struct ev_loop *ev;
	ev_io io;
	ev_timer timer;
	struct bird_reading rd;
	struct bird_reply r;
	bool greeting;			/* the reply awaited is BIRD's 0001 */
	bird_conn_cb cb;
	void *arg;
};

static void stop(struct bird_conn *k)
{
	ev_io_stop(k->ev, &k->io);
	ev_timer_stop(k->ev, &k->timer);
}

/* The reply is complete or failed: hand it over; @k may be gone after. */
static void done(struct bird_conn *k, int err)
{
	struct bird_reply r = k->r;

	stop(k);
	memset(&k->r, 0, sizeof(k->r));
	if (!err && k->greeting && r.code != BIRD_WELCOME)
		err = bird_reset(k->c, bird_set_why(k->c, -EPROTO,
			"BIRD greeted with %04d, not 0001", r.code));
	k->cb(k, err, &r, k->arg);
	bird_reply_free(&r);
}

static void on_readable(struct ev_loop *ev, ev_io *w, int revents)
{
	struct bird_conn *k = w->data;
	int err;

	(void)ev;
	(void)revents;
	err = bird_fill(k->c);
	if (err == -EAGAIN)
		return;
	if (!err)
		err = bird_reply_step(k->c, &k->rd, &k->r);
	else
		err = bird_reset(k->c, err);
	if (err)
		done(k, err > 0 ? 0 : err);
}

static void on_timeout(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct bird_conn *k = w->data;

	(void)ev;
	(void)revents;
	done(k, bird_reset(k->c, bird_set_why(k->c, -ETIMEDOUT,
		"BIRD did not answer within %d ms", k->c->timeout_ms)));
}

/* Await the reply to what was just sent (or the greeting). */
static void await(struct bird_conn *k, bird_conn_cb cb, void *arg)
{
	k->cb = cb;
	k->arg = arg;
	k->rd = (struct bird_reading){ .code = -1 };
	ev_io_set(&k->io, k->c->fd, EV_READ);
	ev_io_start(k->ev, &k->io);
	ev_timer_set(&k->timer, k->c->timeout_ms / 1000.0, 0);
	ev_timer_start(k->ev, &k->timer);
}

int bird_conn_open(struct ev_loop *ev, const char *path, int timeout_ms,
		   bird_conn_cb cb, void *arg, struct bird_conn **out)
{
	struct bird_conn *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	/* A Unix socket's connect does not wait: it succeeds or fails. */
	err = bird_connect(path, timeout_ms, SOCK_NONBLOCK, &k->c);
	if (err) {
		free(k);
		return err;
	}
	k->ev = ev;
	ev_init(&k->io, on_readable);
	k->io.data = k;
	ev_init(&k->timer, on_timeout);
	k->timer.data = k;
	k->greeting = true;
	await(k, cb, arg);
	*out = k;
	return 0;
}

int bird_conn_command(struct bird_conn *k, const char *cmd, bird_conn_cb cb,
		      void *arg)
{
	int err;

	if (ev_is_active(&k->io))
		return -EBUSY;
	err = bird_send(k->c, cmd, &k->r);
	if (err)
		return err;
	k->greeting = false;
	await(k, cb, arg);
	return 0;
}

void bird_conn_close(struct bird_conn *k)
{
	if (!k)
		return;
	stop(k);
	bird_reply_free(&k->r);
	bird_close(k->c);
	free(k);
}

struct bird_client *bird_conn_client(const struct bird_conn *k)
{
	return k->c;
}
