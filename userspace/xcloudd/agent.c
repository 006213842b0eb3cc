// SPDX-License-Identifier: GPL-2.0
/*
 * The agent whatever its role: its ops do the rest. And what every part
 * of it uses: the log, the clock, the store's keys and values.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "agent.h"
#include "xcloudd.h"

/* XCLOUD_LOG_TIMES=1: monotonic time stamps on every line, to line the
 * log up with other programs' (the convergence bench does), and how long
 * each batch of work took. */
bool xd_timing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("XCLOUD_LOG_TIMES") != NULL;
	return on;
}

double xd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The daemons' logger (userspace/daemon/log.c): journal priorities. */
void xd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlogv(fmt, ap);
	va_end(ap);
}

bool xd_split_key(const char *suffix, uint32_t *vni, char *addr, size_t len)
{
	const char *slash = strchr(suffix, '/');
	char *end;
	unsigned long v;

	if (!slash || slash == suffix || strlen(slash + 1) >= len ||
	    !slash[1] || strchr(slash + 1, '/'))
		return false;
	v = strtoul(suffix, &end, 10);
	if (end != slash || v > XCLOUD_VNI_MAX)
		return false;
	*vni = (uint32_t)v;
	strcpy(addr, slash + 1);
	return true;
}

const char *xd_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool xd_is_mine(struct agent *a, const struct xe_kv *kv)
{
	struct json_object *o;
	const char *n;
	bool mine;

	if (!kv)
		return false;
	o = xe_kv_object(kv);
	n = xd_json_str(o, "node");
	mine = n && !strcmp(n, a->conf->node);
	json_object_put(o);
	return mine;
}

/* ---- lifetime ---- */

/* The one place that looks at the role. */
const struct xd_role_ops *xd_role_ops(enum xd_role role)
{
	static const struct xd_role_ops *const ops[] = {
		[XD_ROLE_SWITCH] = &xd_switch_ops,
		[XD_ROLE_GATEWAY] = &xd_gateway_ops,
		[XD_ROLE_AGGREGATION] = &xd_agg_ops,
		[XD_ROLE_ROUTER] = &xd_router_ops,
	};

	/* xd_conf_check() refused a conf without a role. */
	return ops[role];
}

bool xd_agent_synced(struct agent *a)
{
	return a->ops->synced(a);
}

bool xd_agent_online(struct agent *a)
{
	return a->ops->online(a);
}

int agent_init(struct agent *a, struct ev_loop *ev, struct xd_conf *conf)
{
	memset(a, 0, sizeof(*a));
	a->ev = ev;
	a->conf = conf;
	a->ops = xd_role_ops(conf->role);
	return a->ops->init(a);
}

int agent_start(struct agent *a)
{
	return a->ops->start(a);
}

void agent_fini(struct agent *a, bool revoke)
{
	if (a->ops)
		a->ops->fini(a, revoke);
	xe_client_free(a->etcd);
	xe_loop_free(a->xl);
	if (a->xc)
		xc_close(a->xc);
}
