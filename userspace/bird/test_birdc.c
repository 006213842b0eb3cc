// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the BIRD control-socket client (TAP): the line parser, a
 * scripted fake BIRD on a Unix socket, and, when bird is installed, a real
 * BIRD with a configuration of static protocols only (no BGP, no kernel
 * protocol: nothing leaves its control socket).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ev.h>

#include "birdc.h"
#include "tap.h"

/* ---- parser ---- */

static void test_parse(void)
{
	const char *text;
	bool last;
	int code;

	ok(!bird_parse_line("0001 BIRD 2.0.12 ready.", -1, &code, &last, &text) &&
	   code == 1 && last && !strcmp(text, "BIRD 2.0.12 ready."),
	   "parse: final line");
	ok(!bird_parse_line("1002-device1    Device", -1, &code, &last, &text) &&
	   code == 1002 && !last && !strncmp(text, "device1", 7),
	   "parse: line with more to come");
	ok(!bird_parse_line(" s4  Static", 1002, &code, &last, &text) &&
	   code == 1002 && !last && !strcmp(text, "s4  Static"),
	   "parse: continuation keeps the previous code");
	ok(!bird_parse_line("0000", -1, &code, &last, &text) && code == 0 &&
	   last && !*text, "parse: bare code");
	ok(bird_parse_line("12a4 x", -1, &code, &last, &text) == -EPROTO,
	   "parse: non-digit code is a protocol error");
	ok(bird_parse_line(" orphan", -1, &code, &last, &text) == -EPROTO,
	   "parse: continuation without a previous line is a protocol error");
	ok(bird_parse_line("0000x", -1, &code, &last, &text) == -EPROTO,
	   "parse: bad separator is a protocol error");
	ok(bird_parse_line("3000 x", -1, &code, &last, &text) == -EPROTO &&
	   bird_parse_line("7999-x", -1, &code, &last, &text) == -EPROTO,
	   "parse: codes 3xxx-7xxx (no BIRD class) are a protocol error");
	ok(!bird_parse_line("8001 x", -1, &code, &last, &text) && code == 8001 &&
	   !bird_parse_line("2002-x", -1, &code, &last, &text) && code == 2002,
	   "parse: codes of the classes 0, 1, 2, 8, 9 accepted");
	ok(bird_parse_line("", -1, &code, &last, &text) == -EPROTO &&
	   bird_parse_line("12", -1, &code, &last, &text) == -EPROTO,
	   "parse: empty and short lines are a protocol error");
}

/* ---- fake BIRD ---- */

/* Lengths of the generated lines (client.c: BIRD_LINE_MAX is 4096). */
#define LINE_MAX_OK 4096

static void put(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= w;
	}
}

/* "1000-xxx...x\n" of @len bytes before the newline, then "0000 \n". */
static void put_long(int fd, size_t len, bool newline)
{
	char *b = malloc(len + 16);

	if (!b)
		return;
	memcpy(b, "1000-", 5);
	memset(b + 5, 'x', len - 5);
	if (newline) {
		memcpy(b + len, "\n0000 \n", 7);
		put(fd, b, len + 7);
	} else {
		put(fd, b, len);
	}
	free(b);
}

/* A line of 8000 bytes: fits the client's read buffer, not a line. */
static void gen_long(int fd) { put_long(fd, 8000, true); }
/* The longest line BIRD may send, and one byte more. */
static void gen_max(int fd) { put_long(fd, LINE_MAX_OK, true); }
static void gen_max1(int fd) { put_long(fd, LINE_MAX_OK + 1, true); }
/* No newline at all. */
static void gen_nonl(int fd) { put_long(fd, 3 * LINE_MAX_OK, false); }

/* More than 16 MiB of table lines, then the final line. */
static void gen_huge(int fd)
{
	char line[4001];
	size_t sent;

	memset(line, 'y', sizeof(line));
	memcpy(line, "1001-", 5);
	line[sizeof(line) - 1] = '\n';
	for (sent = 0; sent < (17u << 20); sent += sizeof(line))
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line))
			return;
	put(fd, "0000 \n", 6);
}

/* One byte per write: every line split everywhere, "\n" included. */
static void gen_bytes(int fd)
{
	static const char r[] = "0002-Reading configuration\n 2nd line\n"
				"0020 Configuration OK\n";
	size_t i;

	for (i = 0; i < sizeof(r) - 1; i++) {
		put(fd, r + i, 1);
		usleep(500);
	}
}

static void gen_nul(int fd) { put(fd, "0000 a\0b\n", 9); }
static void gen_slow(int fd) { usleep(400 * 1000); put(fd, "0000 late\n", 10); }

struct script {
	const char *cmd;	/* expected command */
	const char *reply;	/* raw reply bytes */
	void (*gen)(int fd);	/* or: writes the reply */
};

static const struct script fake_script[] = {
	{ "show protocols",
	  "2002-Name       Proto      Table      State  Since         Info\n"
	  "1002-device1    Device     ---        up     2026-11-21 05:25:28.902  \n"
	  " sw1_v4     BGP        ---        up     2026-11-21 05:25:30.100  Established   \n"
	  " sw1_v6     BGP        ---        start  05:25:31.000  Active        Socket: Connection refused\n"
	  "0000 \n", NULL },
	{ "configure check \"/good.conf\"",
	  "0002-Reading configuration from /good.conf\n0020 Configuration OK\n", NULL },
	{ "configure check \"/bad.conf\"",
	  "0002-Reading configuration from /bad.conf\n"
	  "8002 /bad.conf, line 3: syntax error\n", NULL },
	{ "configure check \"/long.conf\"", NULL, gen_long },
	{ "configure check \"/bytes.conf\"", NULL, gen_bytes },
	{ "configure soft \"/good.conf\"",
	  "0002-Reading configuration from /good.conf\n0003 Reconfigured\n", NULL },
	{ "configure soft \"/busy.conf\"",
	  "0002-Reading configuration from /busy.conf\n"
	  "0004 Reconfiguration in progress\n", NULL },
	{ "configure soft \"/down.conf\"",
	  "0002-Reading configuration from /down.conf\n"
	  "0006 Reconfiguration ignored, shutting down\n", NULL },
	{ "bogus", "9001 syntax error, unexpected CF_SYM_UNDEFINED\n", NULL },
	{ "split", "1000-BIRD", NULL },	/* rest sent after a pause */
	{ "garbage", "hello\n", NULL },
	{ "hang", "", NULL },		/* never answers */
	{ "show status", "1000-BIRD 2.0.12\n0013 Daemon is up and running\n", NULL },
	{ "long", NULL, gen_long },
	{ "max", NULL, gen_max },
	{ "max1", NULL, gen_max1 },
	{ "nonl", NULL, gen_nonl },
	{ "huge", NULL, gen_huge },
	{ "nul", NULL, gen_nul },
	{ "slow", NULL, gen_slow },
	{ "code5", "5000 not a BIRD code\n", NULL },
	{ "extra", "0000 first\n0000 nobody asked\n", NULL },
	{ "async", "+0018 spontaneous\n1000-one\n+0018 again\n0000 done\n", NULL },
	{ NULL, NULL, NULL },
};

struct fake {
	char path[108];
	int lfd;
	pthread_t thread;
};

/* One connection: the greeting, then the script's reply to each line. */
static void fake_conn(int fd)
{
	char buf[4096];
	size_t len = 0;

	if (write(fd, "0001 BIRD fake ready.\n", 22) < 0)
		return;
	for (;;) {
		char *nl;
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		const struct script *s;

		if (r <= 0)
			return;
		len += r;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			for (s = fake_script; s->cmd; s++)
				if (!strcmp(s->cmd, buf))
					break;
			if (s->gen)
				s->gen(fd);
			else if (s->cmd && write(fd, s->reply, strlen(s->reply)) < 0)
				return;
			if (s->cmd && !strcmp(s->cmd, "split")) {
				usleep(100 * 1000);
				if (write(fd, " 2.0.12\n0000 \n", 14) < 0)
					return;
			}
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
	}
}

/* Connections one after another, until the test shuts the socket down. */
static void *fake_run(void *arg)
{
	struct fake *f = arg;
	int fd;

	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		fake_conn(fd);
		close(fd);
	}
	return NULL;
}

static int fake_start(struct fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "/tmp/test_birdc.%d.ctl", getpid());
	unlink(f->path);
	strcpy(sun.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(f->lfd, 4))
		return -1;
	return pthread_create(&f->thread, NULL, fake_run, f);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);	/* wakes accept() */
	pthread_join(f->thread, NULL);
	close(f->lfd);
	unlink(f->path);
}

/* The positive control after an error: a new connection answers. */
static bool fresh_ok(struct fake *f, struct bird_client **c)
{
	struct bird_reply r;
	bool good;

	bird_close(*c);
	*c = NULL;
	if (bird_open(f->path, 5000, c))
		return false;
	good = !bird_command(*c, "show status", &r) && r.code == 13 &&
	       r.n == 2 && !strcmp(r.lines[0].text, "BIRD 2.0.12");
	bird_reply_free(&r);
	return good;
}

/*
 * Replies that are not BIRD's protocol: each one is an error with a
 * reason, and resets the connection (what follows in the stream cannot be
 * trusted to belong to the next command); a new connection works.
 */
static void test_fake_bad(struct fake *f)
{
	struct bird_client *c = NULL;
	struct bird_reply r;
	char msg[256];
	int err;

	if (bird_open(f->path, 5000, &c)) {
		ok(0, "bad replies: open");
		return;
	}
	err = bird_command(c, "max", &r);
	ok(!err && r.n == 2 && strlen(r.lines[0].text) == LINE_MAX_OK - 5,
	   "line of 4096 bytes (the most BIRD sends) accepted");
	bird_reply_free(&r);

	/* The stack overflow of issue #17: a line of 8000 bytes. */
	err = bird_command(c, "long", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "line longer than 4096 bytes"),
	   "over-long line (8000 bytes) is a protocol error with the reason");
	bird_reply_free(&r);
	err = bird_command(c, "show status", &r);
	ok(err == -ENOTCONN, "... and the connection is reset, not read further");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "max1", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "line longer than 4096 bytes"),
	   "line of 4097 bytes refused");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "nonl", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "line longer than 4096 bytes (no newline"),
	   "12288 bytes without a newline refused");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_configure_check(c, "/long.conf", msg, sizeof(msg));
	ok(err == -EPROTO && strstr(msg, "line longer than 4096 bytes"),
	   "configure check: the reason of a protocol error in its message");
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "huge", &r);
	ok(err == -EMSGSIZE && strstr(bird_strerror(c), "reply"),
	   "reply of more than 16 MiB refused");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "nul", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "NUL"),
	   "line with a NUL byte refused");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "code5", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "5000"),
	   "reply code 5000 (no BIRD class) refused");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "garbage", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "hello"),
	   "line without a code refused, quoted in the reason");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	err = bird_command(c, "extra", &r);
	ok(!err && r.n == 1 && !strcmp(r.lines[0].text, "first"),
	   "reply followed by a second one: the first is the reply");
	bird_reply_free(&r);
	err = bird_command(c, "show status", &r);
	ok(err == -EPROTO && strstr(bird_strerror(c), "no command asked for"),
	   "... the unasked one is refused, not taken for the next reply");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");

	bird_close(c);
	c = NULL;
	if (bird_open(f->path, 200, &c)) {
		ok(0, "late reply: open");
		return;
	}
	err = bird_command(c, "slow", &r);
	ok(err == -ETIMEDOUT, "reply later than the timeout: times out");
	bird_reply_free(&r);
	usleep(400 * 1000);	/* the late reply arrives */
	err = bird_command(c, "show status", &r);
	ok(err == -ENOTCONN && r.n == 0,
	   "... the late reply is never taken for the next command's");
	bird_reply_free(&r);
	ok(fresh_ok(f, &c), "... a new connection answers normally");
	bird_close(c);
}

static void test_fake(void)
{
	struct bird_client *c;
	struct bird_reply r;
	struct fake f;
	char msg[256];
	int err;

	if (fake_start(&f)) {
		ok(0, "fake BIRD started");
		return;
	}
	err = bird_open(f.path, 1000, &c);
	ok(!err, "open: connects and reads the greeting");
	if (err)
		return;

	ok(!bird_configure_check(c, "/good.conf", msg, sizeof(msg)) &&
	   !strcmp(msg, "Configuration OK"), "configure check: 0020 is success");
	err = bird_configure_check(c, "/bad.conf", msg, sizeof(msg));
	ok(err == -EREMOTEIO && strstr(msg, "line 3"),
	   "configure check: 8002 is an error with BIRD's message");
	ok(!bird_configure_soft(c, "/good.conf", NULL, 0),
	   "configure soft: 0003 is success");
	ok(!bird_configure_soft(c, "/busy.conf", NULL, 0),
	   "configure soft: 0004 (in progress) is success");
	ok(bird_configure_soft(c, "/down.conf", msg, sizeof(msg)) == -EREMOTEIO,
	   "configure soft: 0006 (ignored, shutting down) is an error");
	ok(bird_configure_check(c, "/a\"b", NULL, 0) == -EINVAL,
	   "configure: a quote in the file name is refused");
	ok(!bird_configure_check(c, "/bytes.conf", msg, sizeof(msg)) &&
	   !strcmp(msg, "Configuration OK"),
	   "configure check: a reply arriving one byte at a time is reassembled");

	err = bird_command(c, "bogus", &r);
	ok(err == -EREMOTEIO && r.code == 9001, "command: 9001 is an error");
	bird_reply_free(&r);
	ok(bird_command(c, "two\nlines", &r) == -EINVAL,
	   "command: a newline in a command is refused");
	bird_reply_free(&r);
	err = bird_command(c, "split", &r);
	ok(!err && r.code == 0 && r.n == 2 && !strcmp(r.lines[0].text, "BIRD 2.0.12"),
	   "command: a reply split across reads is reassembled");
	bird_reply_free(&r);
	err = bird_command(c, "async", &r);
	ok(!err && r.n == 2 && !strcmp(r.lines[0].text, "one") &&
	   !strcmp(r.lines[1].text, "done"),
	   "command: spontaneous (+) lines skipped");
	bird_reply_free(&r);
	ok(!bird_command(c, "show status", &r) && r.code == 13,
	   "command: the connection still answers after errors BIRD reported");
	bird_reply_free(&r);
	bird_close(c);

	if (!bird_open(f.path, 200, &c)) {
		err = bird_command(c, "hang", &r);
		ok(err == -ETIMEDOUT, "command: no answer times out");
		bird_reply_free(&r);
		bird_close(c);
	} else {
		ok(0, "command: no answer times out");
	}
	test_fake_bad(&f);
	fake_stop(&f);
	ok(bird_open(f.path, 200, &c) == -ENOENT, "open: missing socket fails");
}

/* ---- asynchronous client ---- */

struct awaited {
	bool done;
	int err, code;
	size_t n;
	char first[64];
	struct bird_protocol *p;
	size_t np;
};

static void take(struct bird_conn *k, int err, struct bird_reply *r, void *arg)
{
	struct awaited *a = arg;

	(void)k;
	a->done = true;
	a->err = err;
	a->code = r->code;
	a->n = r->n;
	snprintf(a->first, sizeof(a->first), "%s", r->n ? r->lines[0].text : "");
	if (!err && r->n && r->lines[0].code == BIRD_PROTOCOL_HEADING)
		bird_protocols_parse(r, &a->p, &a->np);
}

/* Run the loop until the reply awaited came. */
static void wait_for(struct ev_loop *ev, struct awaited *a)
{
	while (!a->done)
		ev_run(ev, EVRUN_ONCE);
}

static int command(struct ev_loop *ev, struct bird_conn *k, const char *cmd,
		   struct awaited *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	err = bird_conn_command(k, cmd, take, a);
	if (!err)
		wait_for(ev, a);
	return err ? err : a->err;
}

static void ticked(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	*(int *)w->data += 1;
}

static void test_async(void)
{
	struct ev_loop *ev = ev_loop_new(EVFLAG_AUTO);
	struct bird_conn *k = NULL;
	struct awaited a = { 0 };
	struct bird_protocol *p;
	ev_timer tick;
	struct fake f;
	int ticks = 0;

	if (fake_start(&f)) {
		ok(0, "async: fake BIRD started");
		return;
	}
	ok(!bird_conn_open(ev, f.path, 1000, take, &a, &k), "async: open");
	wait_for(ev, &a);
	ok(!a.err && a.code == BIRD_WELCOME, "async: the greeting comes to the callback");
	ok(!command(ev, k, "show protocols", &a) && a.np == 3,
	   "async: show protocols: three protocols");
	p = a.p;
	ok(a.np == 3 && !strcmp(p[0].name, "device1") && !strcmp(p[0].state, "up") &&
	   !strcmp(p[0].since, "2026-11-21 05:25:28.902") && !p[0].info[0],
	   "show protocols: two-word since (iso long), empty info");
	ok(a.np == 3 && !strcmp(p[1].name, "sw1_v4") && !strcmp(p[1].proto, "BGP") &&
	   !strcmp(p[1].info, "Established"),
	   "show protocols: continuation line parsed, info trimmed");
	ok(a.np == 3 && !strcmp(p[2].since, "05:25:31.000") &&
	   !strcmp(p[2].info, "Active        Socket: Connection refused"),
	   "show protocols: one-word since, info keeps inner spaces");
	free(p);
	ok(!command(ev, k, "split", &a) && a.n == 2 &&
	   !strcmp(a.first, "BIRD 2.0.12"),
	   "async: a reply split across reads is reassembled");
	ok(command(ev, k, "bogus", &a) == -EREMOTEIO && a.code == 9001,
	   "async: 9001 is an error");
	ok(!command(ev, k, "show status", &a) && a.code == 13,
	   "async: the connection still answers after an error BIRD reported");
	ok(command(ev, k, "garbage", &a) == -EPROTO &&
	   strstr(bird_strerror(bird_conn_client(k)), "not its protocol"),
	   "async: a line that is not BIRD's is a protocol error");
	ok(bird_conn_command(k, "show status", take, &a) == -ENOTCONN,
	   "async: the connection is reset after a protocol error");
	bird_conn_close(k);

	memset(&a, 0, sizeof(a));
	k = NULL;
	if (!bird_conn_open(ev, f.path, 300, take, &a, &k))
		wait_for(ev, &a);
	ev_timer_init(&tick, ticked, 0.05, 0.05);
	tick.data = &ticks;
	ev_timer_start(ev, &tick);
	memset(&a, 0, sizeof(a));
	ok(k && !bird_conn_command(k, "hang", take, &a) &&
	   bird_conn_command(k, "show status", take, &a) == -EBUSY,
	   "async: one command at a time");
	wait_for(ev, &a);
	ev_timer_stop(ev, &tick);
	ok(a.err == -ETIMEDOUT, "async: no answer times out");
	ok(ticks >= 3, "async: the loop runs while BIRD does not answer");
	bird_conn_close(k);

	/* Closing with a reply awaited: no callback, nothing left on the loop. */
	memset(&a, 0, sizeof(a));
	k = NULL;
	if (!bird_conn_open(ev, f.path, 1000, take, &a, &k))
		wait_for(ev, &a);
	memset(&a, 0, sizeof(a));
	ok(k && !bird_conn_command(k, "slow", take, &a), "async: slow command sent");
	bird_conn_close(k);
	ev_run(ev, 0);
	ok(!a.done, "async: closed while awaited, the callback is not called");

	fake_stop(&f);
	ok(bird_conn_open(ev, f.path, 200, take, &a, &k) == -ENOENT,
	   "async: missing socket fails at once");
	ev_loop_destroy(ev);
}

/* ---- real BIRD ---- */

/* `show protocols` as the daemons ask it: on a loop, a connection each. */
static int show_protocols(const char *path, struct bird_protocol **p,
			  size_t *n)
{
	struct ev_loop *ev = ev_loop_new(EVFLAG_AUTO);
	struct bird_conn *k = NULL;
	struct awaited a = { 0 };
	int err;

	*p = NULL;
	*n = 0;
	if (!ev)
		return -ENOMEM;
	err = bird_conn_open(ev, path, 2000, take, &a, &k);
	if (!err) {
		wait_for(ev, &a);
		err = a.err ? a.err : command(ev, k, "show protocols", &a);
		bird_conn_close(k);
	}
	*p = a.p;
	*n = a.np;
	ev_loop_destroy(ev);
	return err;
}

static int write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

static void test_real_bird(void)
{
	static const char conf[] =
		"router id 192.0.2.1;\n"
		"timeformat protocol iso long;\n"
		"protocol device { }\n"
		"protocol static xc_eip4 { ipv4; route 203.0.113.0/24 blackhole; }\n";
	char dir[] = "/tmp/test_birdc.XXXXXX", good[160], bad[160], sock[160],
	     pidf[160], cmd[700], msg[256];
	struct bird_protocol *p = NULL, *q = NULL;
	struct bird_client *c = NULL;
	size_t n = 0, m = 0, i;
	int err = -1;
	FILE *fp;

	if (system("command -v bird >/dev/null 2>&1")) {
		tap_skip("real BIRD", "bird not installed");
		return;
	}
	if (!mkdtemp(dir))
		return;
	snprintf(good, sizeof(good), "%s/good.conf", dir);
	snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
	snprintf(sock, sizeof(sock), "%s/bird.ctl", dir);
	snprintf(pidf, sizeof(pidf), "%s/bird.pid", dir);
	write_file(good, conf);
	write_file(bad, "router id 192.0.2.1;\nprotocol static { ipv4; route 10.0.0.0/33 blackhole; }\n");
	snprintf(cmd, sizeof(cmd), "bird -c %s -s %s -P %s", good, sock, pidf);
	ok(!system(cmd), "real BIRD: started");
	for (i = 0; i < 50 && err; i++) {
		err = bird_open(sock, 2000, &c);
		if (err)
			usleep(100 * 1000);
	}
	ok(!err, "real BIRD: open");
	if (err)
		goto stop;
	ok(!bird_configure_check(c, good, msg, sizeof(msg)),
	   "real BIRD: configure check of a good file");
	ok(bird_configure_check(c, bad, msg, sizeof(msg)) == -EREMOTEIO &&
	   strstr(msg, "bad.conf"),
	   "real BIRD: configure check of a bad file fails with its message");
	ok(!show_protocols(sock, &p, &n) && n == 2 &&
	   !strcmp(p[1].name, "xc_eip4") && !strcmp(p[1].state, "up") &&
	   strlen(p[1].since) >= 19 && p[1].since[4] == '-', "real BIRD: show protocols");

	/* A changed static protocol is reconfigured, not restarted. */
	sleep(1);
	fp = fopen(good, "a");
	if (fp) {
		fputs("protocol static xc_eip6 { ipv6; route 2001:db8::/48 blackhole; }\n", fp);
		fclose(fp);
	}
	ok(!bird_configure_soft(c, good, msg, sizeof(msg)),
	   "real BIRD: configure soft");
	ok(!show_protocols(sock, &q, &m) && m == 3 && n == 2 &&
	   !strcmp(q[1].since, p[1].since),
	   "real BIRD: protocol added, the unchanged one kept its since-time");
	ok(bird_configure_soft(c, bad, msg, sizeof(msg)) == -EREMOTEIO,
	   "real BIRD: configure soft of a bad file fails");
	free(p);
	free(q);
	bird_close(c);
stop:
	snprintf(cmd, sizeof(cmd), "kill $(cat %s) 2>/dev/null; sleep 0.2; rm -rf %s",
		 pidf, dir);
	if (system(cmd))
		printf("# cleanup of %s failed\n", dir);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a crash keeps what passed */
	test_parse();
	test_fake();
	test_async();
	test_real_bird();
	return tap_done();
}
