// SPDX-License-Identifier: GPL-2.0
/*
 * Module init/exit and per network namespace state.
 *
 * Devices live in the namespace they were created in (they are
 * NETIF_F_NETNS_LOCAL) and are deleted with it: the pernet exit_batch
 * unregisters every device of the dying namespaces in one batch, which
 * closes them and so releases their UDP sockets.
 */
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "device.h"
#include "ingress.h"
#include "netlink.h"
#include "stats.h"
#include "table.h"
#include "xcloud.h"

#ifndef XCLOUD_VERSION
#error "Kbuild sets XCLOUD_VERSION from the VERSION file"
#endif

unsigned int xcloud_net_id __read_mostly;

static int __net_init xcloud_net_init(struct net *net)
{
	struct xcloud_net *xn = xcloud_pernet(net);

	INIT_LIST_HEAD(&xn->devices);
	INIT_LIST_HEAD(&xn->socks);
	xn->generation = 1;	/* never 0: 0 means "not checked" to dumps */
	xn->stats = netdev_alloc_pcpu_stats(struct xcloud_stats);
	if (!xn->stats)
		return -ENOMEM;
	return 0;
}

static void __net_exit xcloud_net_exit_batch(struct list_head *net_list)
{
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list)
		xcloud_net_exit_devices(net, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	/*
	 * The devices were closed, so their sockets are gone; the receive
	 * path may still be inside the namespace's counters until the
	 * grace period ends.
	 */
	synchronize_net();
	list_for_each_entry(net, net_list, exit_list) {
		struct xcloud_net *xn = xcloud_pernet(net);

		WARN_ON_ONCE(!list_empty(&xn->devices));
		WARN_ON_ONCE(!list_empty(&xn->socks));
		free_percpu(xn->stats);
		xn->stats = NULL;
	}
}

/*
 * A pernet *device* subsystem, so that it runs before the core's
 * default_device_exit_batch() and owns the teardown of its devices.
 */
static struct pernet_operations xcloud_net_ops = {
	.init = xcloud_net_init,
	.exit_batch = xcloud_net_exit_batch,
	.id = &xcloud_net_id,
	.size = sizeof(struct xcloud_net),
};

static int __init xcloud_init(void)
{
	int ret;

	ret = xcloud_table_module_init();
	if (ret)
		return ret;
	ret = register_pernet_device(&xcloud_net_ops);
	if (ret)
		goto err_table;
	ret = xcloud_ingress_init();
	if (ret)
		goto err_pernet;
	ret = xcloud_device_init();
	if (ret)
		goto err_ingress;
	ret = xcloud_genl_init();
	if (ret)
		goto err_device;
	pr_info("xcloud " XCLOUD_VERSION " loaded\n");
	return 0;

err_device:
	xcloud_device_uninit();
err_ingress:
	xcloud_ingress_exit();
err_pernet:
	unregister_pernet_device(&xcloud_net_ops);
err_table:
	xcloud_table_module_exit();
	return ret;
}

static void __exit xcloud_exit(void)
{
	/*
	 * Devices first: until they are gone their data path and reaper
	 * send events through the family, which must stay registered
	 * (its multicast group id is reused once it is not). A command
	 * running meanwhile finds a device dead, or none.
	 */
	xcloud_device_uninit();
	xcloud_genl_uninit();
	xcloud_ingress_exit();
	unregister_pernet_device(&xcloud_net_ops);
	/* Peers, routes and sockets freed with call_rcu()/kfree_rcu(). */
	rcu_barrier();
	xcloud_table_module_exit();
}

module_init(xcloud_init);
module_exit(xcloud_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xcloud: inter-cloud virtual network tunnels");
MODULE_VERSION(XCLOUD_VERSION);
MODULE_ALIAS_RTNL_LINK("xcloud");
MODULE_ALIAS_GENL_FAMILY(XCLOUD_GENL_NAME);
