// SPDX-License-Identifier: GPL-2.0
/* Which agent serves which role: the one place that looks at the role. */
#include "agent.h"

const struct xd_role_ops *xd_role_ops(enum xd_role role)
{
	static const struct xd_role_ops *const ops[] = {
		[XD_ROLE_SWITCH] = &xd_switch_ops,
		[XD_ROLE_GATEWAY] = &xd_gateway_ops,
		[XD_ROLE_AGGREGATION] = &xd_eip_ops,
		[XD_ROLE_ROUTER] = &xd_eip_ops,
	};

	/* xd_conf_check() refused a conf without a role. */
	return ops[role];
}
