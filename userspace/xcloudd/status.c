// SPDX-License-Identifier: GPL-2.0
/*
 * What the agent tells about itself: READY=1 once the store was read and
 * the kernel brought in line the first time, a one-line STATUS= for
 * `systemctl status`, and the whole picture for a person on a unix
 * socket (`xcloudd --status`): connect, read, done. The socket is 0660 in
 * RuntimeDirectory=xcloudd (root only); a second agent on the host finds
 * it taken and serves none (logged), it never takes another's away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "notify.h"
#include "xcloudd.h"

/* How often STATUS= is brought up to date (and READY=1 looked for). */
#define XD_STATUS_S		2.0
#define XD_STATUS_START_S	0.05

static struct {
	struct agent *a;
	ev_timer tick;
	ev_io io;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool ready;
	double start, in_sync;	/* ev_now of the start, of the last check in line */
} st = { .fd = -1 };

static void line(struct agent *a, char *buf, size_t len)
{
	if (!xd_agent_online(a))
		snprintf(buf, len, "etcd unreachable (%s): kernel state kept, retrying",
			 a->conf->etcd);
	else if (!st.ready)
		snprintf(buf, len, "reading the store, programming the kernel");
	else
		a->ops->status_line(a, buf, len);
}

/* The overlay agent's (switch, gateway) parts of the status. */
void xd_status_overlay_line(struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%zu networks, %zu routes, %zu bindings pending; lease %llx",
		 xd_nets_count(a), xd_table_count(a, 0), xd_ports_queued(a),
		 (unsigned long long)(a->lease ? xe_keeper_id(a->lease) : 0));
}

static void tick_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct agent *a = st.a;
	char s[256];

	(void)w;
	(void)revents;
	if (xd_agent_synced(a))
		st.in_sync = ev_now(ev);
	if (!st.ready && st.in_sync) {
		st.ready = true;
		xd_log("ready: store read, kernel in line (%.2f s after start)",
		       ev_now(ev) - st.start);
		line(a, s, sizeof(s));
		xsd_ready("%s", s);
		ev_timer_set(&st.tick, XD_STATUS_S, XD_STATUS_S);
		ev_timer_again(ev, &st.tick);
		return;
	}
	line(a, s, sizeof(s));
	xsd_status("%s", s);
}

struct each_ctx {
	struct agent *a;
	FILE *f;
};

static void net_line(uint32_t vni, int ifindex, const char *dev, void *arg)
{
	struct each_ctx *c = arg;
	char vrf[IF_NAMESIZE];
	uint32_t table;

	xd_nets_vrf(c->a, vni, &table);
	fprintf(c->f, "  vni %-8u %s (ifindex %d) in %s, table %u: %zu routes\n",
		vni, dev, ifindex, xd_vni_vrfname(c->a->conf, vni, vrf), table,
		xd_table_count(c->a, vni));
}

void xd_status_overlay_lease(struct agent *a, FILE *f)
{
	int64_t lease = a->lease ? xe_keeper_id(a->lease) : 0;
	struct xd_conf *c = a->conf;

	fprintf(f, lease ? "lease:     %llx, ttl %lld s, kept alive every %.1f s\n" :
		"lease:     none yet\n", (unsigned long long)lease,
		(long long)c->lease_ttl, c->lease_ttl / 3.);
}

void xd_status_overlay_text(struct agent *a, FILE *f)
{
	struct each_ctx ctx = { a, f };

	fprintf(f, "pending:   %zu bindings queued%s\n", xd_ports_queued(a),
		xd_ports_sending(a) ? ", a transaction on its way" : "");
	fprintf(f, "networks:  %zu, %zu routes in all\n", xd_nets_count(a),
		xd_table_count(a, 0));
	xd_nets_foreach(a, net_line, &ctx);
}

double xd_status_sync_age(struct agent *a)
{
	double now = ev_now(a->ev);

	if (xd_agent_synced(a))
		st.in_sync = now;
	return st.in_sync ? now - st.in_sync : -1;
}

static char *text(struct agent *a, size_t *len)
{
	struct xd_conf *c = a->conf;
	double now = ev_now(a->ev);
	char *buf = NULL;
	double age = xd_status_sync_age(a);
	FILE *f;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	fprintf(f, "xcloudd %s: %s agent of node %s, cloud %s, up %.0f s\n",
		XCLOUD_VERSION, xd_role_name(c->role), c->node, c->cloud,
		now - st.start);
	fprintf(f, "etcd:      %s, %s\n", c->etcd,
		xd_agent_online(a) ? "reachable" : "UNREACHABLE");
	if (a->ops->status_lease)
		a->ops->status_lease(a, f);
	if (age == 0)
		fprintf(f, "in line:   yes, the kernel is what the store says\n");
	else if (age > 0)
		fprintf(f, "in line:   catching up, last in line %.1f s ago\n",
			age);
	else
		fprintf(f, "in line:   not yet, the first sync is under way\n");
	fprintf(f, "log level: %s\n", xlog_level_name(xlog_level()));
	if (a->ops->status_text)
		a->ops->status_text(a, f);
	fclose(f);
	return buf;
}

static void accept_cb(struct ev_loop *ev, ev_io *w, int revents)
{
	size_t len;
	char *t;
	int fd;

	(void)ev;
	(void)revents;
	fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	t = text(st.a, &len);
	/* Fits the socket's buffer: a reader that does not read loses the
	 * rest, the loop never waits for it. */
	if (t && send(fd, t, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		xd_log(SD_DEBUG "status: %s", strerror(errno));
	free(t);
	close(fd);
}

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Listens on path unless a live agent does; never fatal. */
static void listen_on(const char *path)
{
	struct sockaddr_un sa;
	char *dir;
	int fd, probe;

	if (sock_addr(path, &sa)) {
		xd_log(SD_WARNING "status socket %s: name too long; no --status", path);
		return;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
		xd_log(SD_WARNING "status socket %s: another agent answers there; no --status for this one",
		       path);
		close(probe);
		close(fd);
		return;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);	/* a stale one */
	/* Outside systemd (RuntimeDirectory=) the directory may be missing. */
	dir = strdup(path);
	if (dir && strrchr(dir, '/') && strrchr(dir, '/') != dir) {
		*strrchr(dir, '/') = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0660) || listen(fd, 8)) {
		xd_log(SD_WARNING "status socket %s: %s; no --status", path,
		       strerror(errno));
		close(fd);
		return;
	}
	st.fd = fd;
	snprintf(st.path, sizeof(st.path), "%s", path);
	ev_io_init(&st.io, accept_cb, fd, EV_READ);
	ev_io_start(st.a->ev, &st.io);
}

int xd_status_start(struct agent *a, const char *path)
{
	st.a = a;
	st.start = ev_now(a->ev);
	if (strcmp(path, "-"))
		listen_on(path);
	ev_timer_init(&st.tick, tick_cb, XD_STATUS_START_S, XD_STATUS_START_S);
	ev_timer_start(a->ev, &st.tick);
	return 0;
}

void xd_status_stop(struct agent *a)
{
	ev_timer_stop(a->ev, &st.tick);
	if (st.fd < 0)
		return;
	ev_io_stop(a->ev, &st.io);
	close(st.fd);
	unlink(st.path);
	st.fd = -1;
}

int xd_status_query(const char *path)
{
	struct sockaddr_un sa;
	char buf[4096];
	ssize_t n;
	int fd;

	if (sock_addr(path, &sa)) {
		fprintf(stderr, "xcloudd: %s: name too long\n", path);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xcloudd: %s: %s (is xcloudd running?)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return n < 0 ? 1 : 0;
}
