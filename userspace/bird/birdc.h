/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of BIRD's control socket (the protocol birdc speaks; BIRD's
 * manual, "Remote control", and doc/reply_codes in BIRD's sources).
 *
 * BIRD answers every command with numbered lines: "CODE-text" (more
 * follows), " text" (continues the previous code), "CODE text" (the last
 * line). 0xxx: done, 1xxx: table entry, 2xxx: table heading, 8xxx:
 * run-time error, 9xxx: parse-time error. On connect BIRD greets with
 * 0001.
 *
 * Calls are synchronous with a timeout (bird_conn_* below: the same on a
 * libev loop) and return 0 or a negative errno:
 * -ETIMEDOUT, -ECONNRESET (BIRD closed the socket), -EPROTO (what BIRD
 * sent is not its protocol: a line longer than 4096 bytes or with a NUL
 * byte, a line without a code of BIRD's classes 0, 1, 2, 8, 9, a reply
 * nobody asked for), -EMSGSIZE (a reply of more than 16 MiB), -EINVAL (an
 * argument BIRD would misread), -EREMOTEIO (BIRD answered with an
 * 8xxx/9xxx error; see the reply). bird_strerror() tells why.
 *
 * After a timeout, a protocol error or a transport error the connection is
 * closed: what is still in the stream cannot be told from the next
 * command's reply. Further commands on it fail with -ENOTCONN; open a new
 * one. The lines read before the error stay in the reply.
 */
#ifndef XCLOUD_BIRDC_H
#define XCLOUD_BIRDC_H

#include <stdbool.h>
#include <stddef.h>

/* Reply codes the library looks at (doc/reply_codes). */
enum {
	BIRD_OK = 0,
	BIRD_WELCOME = 1,
	BIRD_READING_CONFIG = 2,
	BIRD_RECONFIGURED = 3,
	BIRD_RECONFIG_IN_PROGRESS = 4,
	BIRD_RECONFIG_QUEUED = 5,
	BIRD_RECONFIG_IGNORED = 6,
	BIRD_CONFIG_OK = 20,
	BIRD_PROTOCOL_LIST = 1002,
	BIRD_PROTOCOL_HEADING = 2002,
	BIRD_CONFIG_ERROR = 8002,
	BIRD_PARSE_ERROR = 9001,
};

struct bird_line {
	int code;
	char *text;			/* without code and separator */
};

struct bird_reply {
	int code;			/* code of the last line */
	struct bird_line *lines;	/* every line, the last one included */
	size_t n;
};

struct bird_client;

/* Connect to the control socket @path and read BIRD's greeting. */
int bird_open(const char *path, int timeout_ms, struct bird_client **out);
void bird_close(struct bird_client *c);

/* Why the last call on @c failed, for a log line ("" if none did). */
const char *bird_strerror(const struct bird_client *c);

/*
 * Send @cmd (one line, no newline) and read the whole reply into @r
 * (free it with bird_reply_free, also after an error). Returns 0 when a
 * reply with a 0xxx/1xxx/2xxx final code arrived, -EREMOTEIO for 8xxx/9xxx
 * (r->code and the text tell which), or a transport error.
 */
int bird_command(struct bird_client *c, const char *cmd, struct bird_reply *r);
void bird_reply_free(struct bird_reply *r);

/* Text of the reply's last line ("" if none). */
const char *bird_reply_text(const struct bird_reply *r);

static inline bool bird_code_error(int code)
{
	return code >= 8000;
}

/*
 * Parse one reply line (no newline). Sets *code (the previous line's code
 * for a continuation) and *last. Returns 0, or -EPROTO (no code, a code
 * outside BIRD's classes, a bad separator, a continuation of nothing).
 */
/* At most @max of the @n bytes of @s into @dst, for a log line:
 * non-printable bytes and backslashes as \xNN, "..." if cut. */
void bird_quote(char *dst, size_t size, const char *s, size_t n, size_t max);

int bird_parse_line(const char *line, int prev_code, int *code, bool *last,
		    const char **text);

/*
 * `configure check "FILE"`: 0 when BIRD says Configuration OK; otherwise
 * -EREMOTEIO with BIRD's message in @msg (may be NULL).
 */
int bird_configure_check(struct bird_client *c, const char *file, char *msg,
			 size_t msglen);

/*
 * `configure soft "FILE"`: load FILE, keeping routes of protocols whose
 * filters changed (no session restarts for them). 0 when BIRD reconfigured
 * or started to; -EREMOTEIO with BIRD's message otherwise.
 */
int bird_configure_soft(struct bird_client *c, const char *file, char *msg,
			size_t msglen);

/*
 * The same in pieces, for the asynchronous client: the command line of
 * `configure VERB "FILE"` (-EINVAL for a quote or newline in FILE), and
 * whether a reply to `configure check` / `configure soft` is success (0)
 * or not (-EREMOTEIO).
 */
int bird_configure_line(const char *verb, const char *file, char *cmd,
			size_t size);
int bird_configure_checked(const struct bird_reply *r);
int bird_configure_applied(const struct bird_reply *r);

struct bird_protocol {
	char name[64];
	char proto[32];
	char table[32];
	char state[16];			/* up, down, start, ... */
	char since[40];			/* as BIRD prints it (timeformat) */
	char info[128];			/* e.g. "Established" */
};

/*
 * The entries of a reply to `show protocols`, one per protocol, the array
 * freed with free(). The daemons ask on the asynchronous client below;
 * a synchronous bird_command's reply parses the same.
 */
int bird_protocols_parse(const struct bird_reply *r,
			 struct bird_protocol **out, size_t *n);

/*
 * The asynchronous client, for a daemon's libev loop: nothing blocks;
 * the reply (or an error as bird_command's) comes to @cb, which may send
 * the next command or close the connection. The reply is freed after @cb
 * returns. bird_conn_open connects and awaits BIRD's greeting (a refused
 * connection fails at once); the timeout is per reply.
 */
struct ev_loop;
struct bird_conn;
typedef void (*bird_conn_cb)(struct bird_conn *k, int err,
			     struct bird_reply *r, void *arg);
int bird_conn_open(struct ev_loop *ev, const char *path, int timeout_ms,
		   bird_conn_cb cb, void *arg, struct bird_conn **out);
/* -EBUSY while a reply is awaited. */
int bird_conn_command(struct bird_conn *k, const char *cmd, bird_conn_cb cb,
		      void *arg);
/* Close, also while a reply is awaited (its callback is not called). */
void bird_conn_close(struct bird_conn *k);
/* For bird_strerror(). */
struct bird_client *bird_conn_client(const struct bird_conn *k);

#endif /* XCLOUD_BIRDC_H */
