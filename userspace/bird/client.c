// SPDX-License-Identifier: GPL-2.0
/*
 * BIRD control socket: connect, send a command, read the numbered reply.
 *
 * What BIRD sends is checked before it is used: a line is at most
 * BIRD_LINE_MAX bytes and has no NUL byte, every line has a code of one of
 * BIRD's classes (or continues the previous one), a reply is at most
 * BIRD_REPLY_MAX bytes, and nothing arrives that no command asked for.
 * Anything else is a protocol error: the reason is kept (bird_strerror)
 * and the connection is closed, since what follows in the stream can no
 * longer be told apart from the next command's reply; so is a reply that
 * did not arrive in time.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void bird_quote(char *dst, size_t size, const char *s, size_t n, size_t max)
{
	size_t i, k = 0;

	if (!size)
		return;
	for (i = 0; i < n && i < max && k + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			dst[k++] = (char)ch;
		else
			k += snprintf(dst + k, size - k, "\\x%02x", ch);
	}
	if (i < n && k + 4 < size) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
}

/* Keep the reason of @err; return @err. */
int bird_set_why(struct bird_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err;
}

/* The stream is out of step: close it, so nothing more is read from it. */
int bird_reset(struct bird_client *c, int err)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->len = 0;
	return err;
}

int bird_parse_line(const char *line, int prev_code, int *code, bool *last,
		    const char **text)
{
	int i, v = 0;

	if (line[0] == ' ') {
		/* Continuation of the previous line's code. */
		if (prev_code < 0)
			return -EPROTO;
		*code = prev_code;
		*last = false;
		*text = line + 1;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -EPROTO;
		v = v * 10 + (line[i] - '0');
	}
	if (line[4] != '-' && line[4] != ' ' && line[4] != '\0')
		return -EPROTO;
	/* doc/reply_codes: 0xxx, 1xxx, 2xxx, 8xxx and 9xxx only. */
	if (v >= 3000 && v < 8000)
		return -EPROTO;
	*code = v;
	*last = line[4] != '-';
	*text = line[4] ? line + 5 : line + 4;
	return 0;
}

static void consume(struct bird_client *c, size_t n)
{
	c->len -= n;
	memmove(c->buf, c->buf + n, c->len);
}

/*
 * Read into the buffer what the socket has; 0 or -errno, -ECONNRESET at
 * EOF, -EAGAIN (no reason kept) when a non-blocking socket has nothing.
 */
int bird_fill(struct bird_client *c)
{
	ssize_t r;

	do
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN)
		return -EAGAIN;
	if (r < 0)
		return bird_set_why(c, -errno, "reading from BIRD: %s", strerror(errno));
	if (r == 0)
		return bird_set_why(c, -ECONNRESET, "BIRD closed the connection");
	c->len += r;
	return 0;
}

/*
 * Whether the line at buf[0] is BIRD's and at most @max bytes: @n bytes up
 * to its newline (@complete) or all there is so far (no newline yet).
 */
static int check_line(struct bird_client *c, size_t n, bool complete,
		      size_t max)
{
	char q[200];

	if (n > max) {
		bird_quote(q, sizeof(q), c->buf, n, 40);
		if (complete)
			return bird_set_why(c, -EPROTO, "BIRD sent a line longer than %zu bytes (a line of %zu bytes): \"%s\"",
				       max, n, q);
		return bird_set_why(c, -EPROTO, "BIRD sent a line longer than %zu bytes (no newline in %zu bytes): \"%s\"",
			       max, n, q);
	}
	if (memchr(c->buf, '\0', n)) {
		bird_quote(q, sizeof(q), c->buf, n, 40);
		return bird_set_why(c, -EPROTO, "BIRD sent a line with a NUL byte: \"%s\"", q);
	}
	return 0;
}

/*
 * Take one line (without '\n') out of the buffer into @line (@size bytes:
 * a longer line is a protocol error): 1 if there was one, 0 if more must
 * be read first. An error leaves the reason in c->why.
 */
static int take_line(struct bird_client *c, char *line, size_t size)
{
	char *nl = memchr(c->buf, '\n', c->len);
	int r;

	if (!nl)
		return check_line(c, c->len, false, size - 1);
	r = check_line(c, nl - c->buf, true, size - 1);
	if (r)
		return r;
	memcpy(line, c->buf, nl - c->buf);	/* < size */
	line[nl - c->buf] = '\0';
	consume(c, nl + 1 - c->buf);
	return 1;
}

/* Wait until the socket is readable, by @deadline. */
static int wait_readable(struct bird_client *c, long long deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return bird_set_why(c, -ETIMEDOUT, "BIRD did not answer within %d ms",
					    c->timeout_ms);
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return bird_set_why(c, -errno, "poll: %s", strerror(errno));
		if (r == 0)
			return bird_set_why(c, -ETIMEDOUT, "BIRD did not answer within %d ms",
					    c->timeout_ms);
		return 0;
	}
}

static int reply_add(struct bird_reply *r, int code, const char *text)
{
	struct bird_line *l = r->lines;
	char *t = strdup(text);

	if (!t)
		return -ENOMEM;
	/* Room for 8, then doubled at every power of two. */
	if (!r->n || (r->n >= 8 && !(r->n & (r->n - 1)))) {
		l = realloc(r->lines, (r->n ? 2 * r->n : 8) * sizeof(*l));
		if (!l) {
			free(t);
			return -ENOMEM;
		}
		r->lines = l;
	}
	l[r->n].code = code;
	l[r->n].text = t;
	r->n++;
	return 0;
}

/*
 * Take the buffered lines of a reply: 1 when its last line came (and
 * BIRD's final code is not an error), 0 when more must be read, or an
 * error. Whatever goes wrong other than an error BIRD reported (8xxx,
 * 9xxx) leaves the stream out of step: the connection is reset.
 */
int bird_reply_step(struct bird_client *c, struct bird_reading *rd,
		    struct bird_reply *r)
{
	char line[BIRD_LINE_MAX + 1], q[200];
	const char *text;
	bool last;
	int err;

	for (;;) {
		err = take_line(c, line, sizeof(line));
		if (err <= 0)
			return err ? bird_reset(c, err) : 0;
		rd->bytes += strlen(line) + 1;
		if (rd->bytes > BIRD_REPLY_MAX)
			return bird_reset(c, bird_set_why(c, -EMSGSIZE,
				"BIRD's reply is longer than %d bytes", BIRD_REPLY_MAX));
		/* Spontaneous printouts ("+CODE") only come after `async`. */
		if (line[0] == '+')
			continue;
		err = bird_parse_line(line, rd->code, &rd->code, &last, &text);
		if (err) {
			bird_quote(q, sizeof(q), line, strlen(line), 40);
			return bird_reset(c, bird_set_why(c, err,
				"BIRD sent a line that is not its protocol: \"%s\"", q));
		}
		err = reply_add(r, rd->code, text);
		if (err)
			return bird_reset(c, bird_set_why(c, err, "reading BIRD's reply: %s",
							  strerror(-err)));
		if (last) {
			r->code = rd->code;
			if (bird_code_error(rd->code))
				return bird_set_why(c, -EREMOTEIO, "BIRD: %04d %s",
						    rd->code, bird_reply_text(r));
			return 1;
		}
	}
}

/* Read a whole reply, waiting for it at most the client's timeout. */
static int read_reply(struct bird_client *c, struct bird_reply *r)
{
	long long deadline = now_ms() + c->timeout_ms;
	struct bird_reading rd = { .code = -1 };

	for (;;) {
		int err = bird_reply_step(c, &rd, r);

		if (err)
			return err > 0 ? 0 : err;
		err = wait_readable(c, deadline);
		if (!err)
			err = bird_fill(c);
		if (err)
			return bird_reset(c, err);
	}
}

/*
 * Before a command: BIRD sends nothing unasked but '+' lines. Anything
 * else waiting (a second reply to the last command, say) would be taken
 * for this command's reply.
 */
static int check_idle(struct bird_client *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	size_t skipped = 0;
	char q[200];
	int r;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);

		if (skipped > BIRD_REPLY_MAX)
			return bird_set_why(c, -EMSGSIZE, "BIRD sent more than %d bytes of '+' lines",
				       BIRD_REPLY_MAX);
		if (c->len && c->buf[0] != '+') {
			bird_quote(q, sizeof(q), c->buf,
				   nl ? (size_t)(nl - c->buf) : c->len, 40);
			return bird_set_why(c, -EPROTO, "BIRD sent what no command asked for: \"%s\"", q);
		}
		if (nl) {
			skipped += nl + 1 - c->buf;
			consume(c, nl + 1 - c->buf);
			continue;
		}
		r = check_line(c, c->len, false, BIRD_LINE_MAX);
		if (r)
			return r;
		r = poll(&pfd, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? bird_set_why(c, -errno, "poll: %s", strerror(errno)) : 0;
		r = bird_fill(c);
		if (r)
			return r;
	}
}

int bird_connect(const char *path, int timeout_ms, int flags,
		 struct bird_client **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct bird_client *c;
	int err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (c->fd < 0) {
		err = -errno;
		free(c);
		return err;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		bird_close(c);
		return err;
	}
	*out = c;
	return 0;
}

int bird_open(const char *path, int timeout_ms, struct bird_client **out)
{
	struct bird_reply r = { 0 };
	struct bird_client *c;
	int err;

	err = bird_connect(path, timeout_ms, 0, &c);
	if (err)
		return err;
	err = read_reply(c, &r);
	if (!err && r.code != BIRD_WELCOME)
		err = -EPROTO;
	bird_reply_free(&r);
	if (err) {
		bird_close(c);
		return err;
	}
	*out = c;
	return 0;
}

void bird_close(struct bird_client *c)
{
	if (!c)
		return;
	bird_reset(c, 0);
	free(c);
}

const char *bird_strerror(const struct bird_client *c)
{
	return c ? c->why : "";
}

static int write_all(struct bird_client *c, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			return bird_set_why(c, -ECONNRESET, "BIRD closed the connection");
		if (w < 0)
			return bird_set_why(c, -errno, "writing to BIRD: %s", strerror(errno));
		p += w;
		n -= w;
	}
	return 0;
}

int bird_send(struct bird_client *c, const char *cmd, struct bird_reply *r)
{
	size_t n = strlen(cmd);
	char *line;
	int err;

	memset(r, 0, sizeof(*r));
	r->code = -1;
	/* BIRD reads one command per line. */
	if (!n || n >= BIRD_LINE_MAX || strchr(cmd, '\n'))
		return bird_set_why(c, -EINVAL, "not a command of one line");
	/* The reason it was reset stays in c->why. */
	if (c->fd < 0)
		return -ENOTCONN;
	err = check_idle(c);
	if (err)
		return bird_reset(c, err);
	line = malloc(n + 2);
	if (!line)
		return -ENOMEM;
	memcpy(line, cmd, n);
	line[n] = '\n';
	err = write_all(c, line, n + 1);
	free(line);
	return err ? bird_reset(c, err) : 0;
}

int bird_command(struct bird_client *c, const char *cmd, struct bird_reply *r)
{
	int err = bird_send(c, cmd, r);

	return err ? err : read_reply(c, r);
}

void bird_reply_free(struct bird_reply *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->lines[i].text);
	free(r->lines);
	r->lines = NULL;
	r->n = 0;
}

const char *bird_reply_text(const struct bird_reply *r)
{
	return r->n ? r->lines[r->n - 1].text : "";
}
