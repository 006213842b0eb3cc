// SPDX-License-Identifier: GPL-2.0
/* Unit tests of xcloud-coord's configuration parser. TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "tap.h"

/* Loads text as a config file; returns the result, err in conf. */
static int load(struct coord_conf *conf, const char *text)
{
	char path[] = "/tmp/xcloud-coord-test-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		return -2;
	close(fd);
	r = coord_conf_load(conf, path);
	unlink(path);
	return r;
}

int main(void)
{
	struct coord_conf c;

	printf("TAP version 13\n");
	ok(!load(&c, "[cloud B]\netcd = http://127.0.0.1:2479\n"
		     "[cloud A]\netcd = http://127.0.0.1:2379\n"),
	   "two clouds load");
	ok(c.nclouds == 2 && !strcmp(c.cloud[0].name, "A") &&
	   !strcmp(c.cloud[1].etcd.endpoints, "http://127.0.0.1:2479"),
	   "clouds sorted by name with their endpoints");
	ok(!strcmp(c.prefix, "/xcloud"), "default prefix /xcloud");
	ok(c.join_delay == 2.0, "default join-delay 2 s");
	coord_conf_free(&c);

	ok(!load(&c, "[coord]\njoin-delay = 0.5\n[cloud A]\netcd = http://x:1\n"
		     "[cloud B]\netcd = http://y:1\n") && c.join_delay == 0.5,
	   "join-delay set");
	coord_conf_free(&c);
	ok(load(&c, "[coord]\njoin-delay = 61\n[cloud A]\netcd = http://x:1\n"
		    "[cloud B]\netcd = http://y:1\n") < 0 &&
	   strstr(c.err, "line 2") && strstr(c.err, "join-delay must be 0..60"),
	   "join-delay out of range refused with its line");
	coord_conf_free(&c);
	ok(load(&c, "[coord]\njoin-delay = nan\n[cloud A]\netcd = http://x:1\n"
		    "[cloud B]\netcd = http://y:1\n") < 0 &&
	   strstr(c.err, "join-delay"), "join-delay nan refused");
	coord_conf_free(&c);

	ok(!load(&c, "[coord]\nprefix = /t1\n[cloud A]\netcd = http://x:1\n"
		     "[cloud B]\netcd = http://y:1\n") &&
	   !strcmp(c.prefix, "/t1"), "prefix set");
	coord_conf_free(&c);

	ok(load(&c, "[cloud A]\netcd = http://x:1\n") < 0 &&
	   strstr(c.err, "at least two"), "one cloud is refused");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://x:1\n[cloud B]\netcd = x:1\n") < 0 &&
	   strstr(c.err, "line 4") && strstr(c.err, "URL"),
	   "bad URL refused with its line");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://x:1\n[cloud A]\netcd = http://y:1\n") < 0 &&
	   strstr(c.err, "twice"), "duplicate cloud refused");
	coord_conf_free(&c);
	ok(load(&c, "[clouds]\nfoo = 1\n") < 0 && strstr(c.err, "line 2"),
	   "unknown section refused");
	coord_conf_free(&c);
	ok(coord_conf_load(&c, "/nonexistent/coord.conf") < 0 &&
	   strstr(c.err, "cannot open"), "missing file reported");
	coord_conf_free(&c);

	/* production etcd: members, TLS, authentication, election */
	ok(!load(&c, "[coord]\nelection = B\nelection-ttl = 3\nname = c1\n"
		     "[cloud A]\netcd = https://a1:2379, https://a2:2379,https://a3:2379\n"
		     "cacert = /dev/null\ncert = /dev/null\nkey = /dev/null\n"
		     "[cloud B]\netcd = http://b:1\n") &&
	   !strcmp(c.election, "B") && c.election_ttl == 3 &&
	   !strcmp(c.id, "c1") && !strcmp(c.cloud[0].etcd.cacert, "/dev/null"),
	   "endpoints, TLS files, election keys load");
	coord_conf_free(&c);
	ok(!load(&c, "[cloud A]\netcd = http://a:1\n[cloud B]\netcd = http://b:1\n") &&
	   !strcmp(c.election, "A") && c.election_ttl == 5 && c.id,
	   "election defaults: first cloud, 5 s, the host name");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://a:1,ftp://x\n[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "line 2") && strstr(c.err, "ftp://x"),
	   "bad member in the list refused with its line and value");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://a:1,\n[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "line 2"), "empty member refused");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = https://a:1\ncacert = /nonexistent/ca.pem\n"
		     "[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "line 3") && strstr(c.err, "No such file"),
	   "missing cacert refused with its line");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = https://a:1\ncert = /dev/null\n"
		     "[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "cert and key"), "cert without key refused");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://a:1\ncacert = /dev/null\n"
		     "[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "https"), "TLS files with http:// refused");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://a:1\nuser = coord\n"
		     "password-file = /dev/null\n[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "line 4") && strstr(c.err, "empty"),
	   "empty password file refused with its line");
	coord_conf_free(&c);
	ok(load(&c, "[cloud A]\netcd = http://a:1\nuser = coord\n"
		     "[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "password-file"), "user without password-file refused");
	coord_conf_free(&c);
	ok(load(&c, "[coord]\nelection = Z\n[cloud A]\netcd = http://a:1\n"
		     "[cloud B]\netcd = http://b:1\n") < 0 &&
	   strstr(c.err, "election = Z"), "election naming no cloud refused");
	coord_conf_free(&c);
	return tap_done();
}
