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

#include "birdc.h"

static int n_test, n_failed;

static void ok(int cond, const char *desc)
{
	n_test++;
	if (!cond)
		n_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_test, desc);
}

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
}

/* ---- fake BIRD ---- */

struct script {
	const char *cmd;	/* expected command */
	const char *reply;	/* raw reply bytes */
};

static const struct script fake_script[] = {
	{ "show protocols",
	  "2002-Name       Proto      Table      State  Since         Info\n"
	  "1002-device1    Device     ---        up     2026-11-21 05:25:28.902  \n"
	  " sw1_v4     BGP        ---        up     2026-11-21 05:25:30.100  Established   \n"
	  " sw1_v6     BGP        ---        start  05:25:31.000  Active        Socket: Connection refused\n"
	  "0000 \n" },
	{ "configure check \"/good.conf\"",
	  "0002-Reading configuration from /good.conf\n0020 Configuration OK\n" },
	{ "configure check \"/bad.conf\"",
	  "0002-Reading configuration from /bad.conf\n"
	  "8002 /bad.conf, line 3: syntax error\n" },
	{ "configure soft \"/good.conf\"",
	  "0002-Reading configuration from /good.conf\n0003 Reconfigured\n" },
	{ "configure soft \"/busy.conf\"",
	  "0002-Reading configuration from /busy.conf\n"
	  "0004 Reconfiguration in progress\n" },
	{ "configure soft \"/down.conf\"",
	  "0002-Reading configuration from /down.conf\n"
	  "0006 Reconfiguration ignored, shutting down\n" },
	{ "bogus", "9001 syntax error, unexpected CF_SYM_UNDEFINED\n" },
	{ "split", "1000-BIRD" },	/* rest sent after a pause */
	{ "garbage", "hello\n" },
	{ "hang", "" },		/* never answers */
	{ NULL, NULL },
};

struct fake {
	char path[108];
	int lfd;
	pthread_t thread;
};

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	char buf[4096];
	size_t len = 0;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (write(fd, "0001 BIRD fake ready.\n", 22) < 0)
		goto out;
	for (;;) {
		char *nl;
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		const struct script *s;

		if (r <= 0)
			break;
		len += r;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			for (s = fake_script; s->cmd; s++)
				if (!strcmp(s->cmd, buf))
					break;
			if (s->cmd && write(fd, s->reply, strlen(s->reply)) < 0)
				goto out;
			if (s->cmd && !strcmp(s->cmd, "split")) {
				usleep(100 * 1000);
				if (write(fd, " 2.0.12\n0000 \n", 14) < 0)
					goto out;
			}
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
	}
out:
	close(fd);
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
	    listen(f->lfd, 1))
		return -1;
	return pthread_create(&f->thread, NULL, fake_run, f);
}

static void test_fake(void)
{
	struct bird_protocol *p = NULL;
	struct bird_client *c;
	struct bird_reply r;
	struct fake f;
	char msg[256];
	size_t n = 0;
	int err;

	if (fake_start(&f)) {
		ok(0, "fake BIRD started");
		return;
	}
	err = bird_open(f.path, 1000, &c);
	ok(!err, "open: connects and reads the greeting");
	if (err)
		return;

	err = bird_show_protocols(c, &p, &n);
	ok(!err && n == 3, "show protocols: three protocols");
	ok(n == 3 && !strcmp(p[0].name, "device1") && !strcmp(p[0].state, "up") &&
	   !strcmp(p[0].since, "2026-11-21 05:25:28.902") && !p[0].info[0],
	   "show protocols: two-word since (iso long), empty info");
	ok(n == 3 && !strcmp(p[1].name, "sw1_v4") && !strcmp(p[1].proto, "BGP") &&
	   !strcmp(p[1].info, "Established"),
	   "show protocols: continuation line parsed, info trimmed");
	ok(n == 3 && !strcmp(p[2].since, "05:25:31.000") &&
	   !strcmp(p[2].info, "Active        Socket: Connection refused"),
	   "show protocols: one-word since, info keeps inner spaces");
	free(p);

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
	err = bird_command(c, "garbage", &r);
	ok(err == -EPROTO, "command: a line without a code is a protocol error");
	bird_reply_free(&r);
	bird_close(c);

	/* A fresh connection for the timeout: the old one is out of step. */
	close(f.lfd);
	pthread_join(f.thread, NULL);
	if (fake_start(&f)) {
		ok(0, "fake BIRD restarted");
		return;
	}
	if (!bird_open(f.path, 200, &c)) {
		err = bird_command(c, "hang", &r);
		ok(err == -ETIMEDOUT, "command: no answer times out");
		bird_reply_free(&r);
		bird_close(c);
	} else {
		ok(0, "command: no answer times out");
	}
	close(f.lfd);
	pthread_join(f.thread, NULL);
	unlink(f.path);
	ok(bird_open(f.path, 200, &c) == -ENOENT, "open: missing socket fails");
}

/* ---- real BIRD ---- */

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
		printf("ok %d - real BIRD # SKIP bird not installed\n", ++n_test);
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
	ok(!bird_show_protocols(c, &p, &n) && n == 2 &&
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
	ok(!bird_show_protocols(c, &q, &m) && m == 3 && n == 2 &&
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
	test_parse();
	test_fake();
	test_real_bird();
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
