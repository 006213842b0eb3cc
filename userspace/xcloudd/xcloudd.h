/* SPDX-License-Identifier: GPL-2.0 */
/* Agent lifetime, called by main. */
#ifndef XCLOUDD_H
#define XCLOUDD_H

#include "agent.h"

int agent_init(struct agent *a, struct ev_loop *ev, struct xd_conf *conf);
/* Reads the store and reconciles; nonzero if etcd was unreachable (the
 * agent keeps retrying). */
int agent_start(struct agent *a);
/* revoke: give up the lease (clean stop withdraws this node's entries). */
void agent_fini(struct agent *a, bool revoke);

#endif
