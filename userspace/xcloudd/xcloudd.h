/* SPDX-License-Identifier: GPL-2.0 */
/* Agent lifetime, called by main. */
#ifndef XCLOUDD_H
#define XCLOUDD_H

#include "agent.h"

/* The agent's runtime directory (RuntimeDirectory=xcloudd, preserved
 * across restarts), and where it answers `xcloudd --status`. */
#define XD_RUN_DIR "/run/xcloudd"
#define XD_STATUS_SOCKET XD_RUN_DIR "/xcloudd.sock"

int agent_init(struct agent *a, struct ev_loop *ev, struct xd_conf *conf);
/* Reads the store and reconciles; nonzero if etcd was unreachable (the
 * agent keeps retrying). */
int agent_start(struct agent *a);
/* revoke: give up the lease (clean stop withdraws this node's entries). */
void agent_fini(struct agent *a, bool revoke);

/* ---- lease_file.c: the lease a restart keeps ---- */
/* The lease of this node's previous run, if granted with this TTL, cloud
 * and etcd (0: none). */
int64_t xd_lease_file_read(const struct xd_conf *conf);
void xd_lease_file_write(const struct xd_conf *conf, int64_t id);

/* ---- reload.c: SIGHUP ---- */
/* Applies what changed from the running configuration to nc (checked):
 * log level, [vni N] sections, port and tunnels; the rest needs a
 * restart and is kept (logged). nc is left to be freed. */
void xd_reload(struct agent *a, struct xd_conf *nc);
/* The overlay agent's part: port, tunnels, [vni N]; how many changes. */
unsigned int xd_reload_overlay(struct agent *a, struct xd_conf *nc);

/* ---- status.c: READY=1, STATUS= and `xcloudd --status` ---- */
/* Serves the status on path ("-": nowhere) from the loop, tells systemd
 * when the first sync is done; nonzero: cannot listen (logged). */
int xd_status_start(struct agent *a, const char *path);
void xd_status_stop(struct agent *a);
/* The client: prints what the agent at path says; the exit code. */
int xd_status_query(const char *path);
/* Seconds since the kernel was last in line with the store (0: it is
 * now), or -1 if it never was (also for metrics.c). */
double xd_status_sync_age(struct agent *a);
/* The overlay agent's status (struct xd_role_ops' status hooks). */
void xd_status_overlay_line(struct agent *a, char *buf, size_t len);
void xd_status_overlay_lease(struct agent *a, FILE *f);
void xd_status_overlay_text(struct agent *a, FILE *f);

#endif
