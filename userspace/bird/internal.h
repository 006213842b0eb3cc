/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the synchronous client (client.c) shares with the asynchronous one
 * (async.c): the connection, and a reply read piece by piece as it comes.
 */
#ifndef XCLOUD_BIRD_INTERNAL_H
#define XCLOUD_BIRD_INTERNAL_H

#include "birdc.h"

/* BIRD's replies to `show route all` can be large; lines are not. */
#define BIRD_LINE_MAX 4096
/* Bytes of one reply, its lines and '+' lines together. */
#define BIRD_REPLY_MAX (16 << 20)

struct bird_client {
	int fd;				/* -1 once the connection was reset */
	int timeout_ms;
	char buf[BIRD_LINE_MAX * 2];
	size_t len;			/* bytes buffered from buf[0] */
	char why[256];			/* reason of the last failure */
};

_Static_assert(sizeof(((struct bird_client *)0)->buf) > BIRD_LINE_MAX + 1,
	       "the read buffer holds a whole line and its newline");

/* Where the reading of one reply stands. */
struct bird_reading {
	size_t bytes;			/* read so far, '+' lines included */
	int code;			/* of the last line, -1 before the first */
};

int bird_set_why(struct bird_client *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Close the connection, keeping c->why; returns @err. */
int bird_reset(struct bird_client *c, int err);

/* A client connected to @path (no greeting read yet); @flags: SOCK_NONBLOCK. */
int bird_connect(const char *path, int timeout_ms, int flags,
		 struct bird_client **out);
/* Check the stream is idle and write @cmd; @r is emptied for the reply. */
int bird_send(struct bird_client *c, const char *cmd, struct bird_reply *r);
int bird_fill(struct bird_client *c);
int bird_reply_step(struct bird_client *c, struct bird_reading *rd,
		    struct bird_reply *r);

#endif
