// SPDX-License-Identifier: GPL-2.0
/*
 * BIRD control socket: connect, send a command, read the numbered reply.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "birdc.h"

/* BIRD's replies to `show route all` can be large; lines are not. */
#define BIRD_LINE_MAX 4096

struct bird_client {
	int fd;
	int timeout_ms;
	char buf[BIRD_LINE_MAX * 2];
	size_t len;			/* bytes buffered from buf[0] */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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
	*code = v;
	*last = line[4] != '-';
	*text = line[4] ? line + 5 : line + 4;
	return 0;
}

/* Read one line (without '\n') into @line by @deadline. */
static int read_line(struct bird_client *c, char *line, long long deadline)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		long long left;
		ssize_t r;

		if (nl) {
			size_t n = nl - c->buf;

			memcpy(line, c->buf, n);
			line[n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			return 0;
		}
		if (c->len >= BIRD_LINE_MAX)
			return -EPROTO;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		c->len += r;
	}
}

static int reply_add(struct bird_reply *r, int code, const char *text)
{
	struct bird_line *l;

	l = realloc(r->lines, (r->n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	r->lines = l;
	l[r->n].code = code;
	l[r->n].text = strdup(text);
	if (!l[r->n].text)
		return -ENOMEM;
	r->n++;
	return 0;
}

/* Read lines up to and including the last one of a reply. */
static int read_reply(struct bird_client *c, struct bird_reply *r)
{
	long long deadline = now_ms() + c->timeout_ms;
	char line[BIRD_LINE_MAX + 1];
	int code = -1, err;
	const char *text;
	bool last;

	for (;;) {
		err = read_line(c, line, deadline);
		if (err)
			return err;
		/* Spontaneous printouts ("+CODE") only come after `async`. */
		if (line[0] == '+')
			continue;
		err = bird_parse_line(line, code, &code, &last, &text);
		if (err)
			return err;
		err = reply_add(r, code, text);
		if (err)
			return err;
		if (last) {
			r->code = code;
			return bird_code_error(code) ? -EREMOTEIO : 0;
		}
	}
}

int bird_open(const char *path, int timeout_ms, struct bird_client **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct bird_reply r = { 0 };
	struct bird_client *c;
	int err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = -errno;
		free(c);
		return err;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		goto fail;
	}
	err = read_reply(c, &r);
	if (!err && r.code != BIRD_WELCOME)
		err = -EPROTO;
	bird_reply_free(&r);
	if (err)
		goto fail;
	*out = c;
	return 0;
fail:
	close(c->fd);
	free(c);
	return err;
}

void bird_close(struct bird_client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		p += w;
		n -= w;
	}
	return 0;
}

int bird_command(struct bird_client *c, const char *cmd, struct bird_reply *r)
{
	size_t n = strlen(cmd);
	char *line;
	int err;

	memset(r, 0, sizeof(*r));
	r->code = -1;
	/* BIRD reads one command per line. */
	if (!n || n >= BIRD_LINE_MAX || strchr(cmd, '\n'))
		return -EINVAL;
	line = malloc(n + 2);
	if (!line)
		return -ENOMEM;
	memcpy(line, cmd, n);
	line[n] = '\n';
	err = write_all(c->fd, line, n + 1);
	free(line);
	if (err)
		return err;
	return read_reply(c, r);
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
