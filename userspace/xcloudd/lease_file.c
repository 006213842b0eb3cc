// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's lease outlives the process: its ID is kept in
 * lease.NODE of the runtime directory (systemd's $RUNTIME_DIRECTORY, else
 * XD_RUN_DIR), and a restarted agent (a crash, an upgrade, a
 * `systemctl restart`) keeps the lease alive instead of granting a new
 * one. The keys written under it then never expire on the way: a restart
 * slower than the TTL withdraws nothing. The file names the TTL, the
 * cloud and the etcd it was granted with; any change and the agent starts
 * afresh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "xcloudd.h"

/* The unit's first RuntimeDirectory= (systemd lists them with ':'). */
static const char *run_dir(void)
{
	static char dir[200];
	const char *d = getenv("RUNTIME_DIRECTORY");

	if (!d || *d != '/')
		return XD_RUN_DIR;
	snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(d, ":"), d);
	return dir;
}

static int lease_path(const struct xd_conf *conf, char *buf, size_t len)
{
	if (!xe_name_ok(conf->node))
		return -EINVAL;
	snprintf(buf, len, "%s/lease.%s", run_dir(), conf->node);
	return 0;
}

int64_t xd_lease_file_read(const struct xd_conf *conf)
{
	char path[256], line[1024], want[1024];
	unsigned long long id;
	long long ttl;
	int64_t r = 0;
	FILE *f;
	int n;

	if (lease_path(conf, path, sizeof(path)))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	snprintf(want, sizeof(want), "%s %s\n", conf->cloud, conf->etcd);
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%llx %lld %n", &id, &ttl, &n) == 2 &&
	    ttl == conf->lease_ttl && !strcmp(line + n, want))
		r = (int64_t)id;
	fclose(f);
	return r;
}

void xd_lease_file_write(const struct xd_conf *conf, int64_t id)
{
	char path[256], tmp[300];
	FILE *f;

	if (lease_path(conf, path, sizeof(path)))
		return;
	if (mkdir(run_dir(), 0755) && errno != EEXIST)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	fchmod(fileno(f), 0600);
	fprintf(f, "%llx %lld %s %s\n", (unsigned long long)id,
		(long long)conf->lease_ttl, conf->cloud, conf->etcd);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return;
fail:
	xd_log("lease: cannot keep its ID in %s (%s): a restart grants a new one",
	       path, strerror(errno));
}
