// SPDX-License-Identifier: GPL-2.0
/*
 * synguard: a SYN-flood defence at netfilter LOCAL_IN, and at FORWARD
 * for the services this host forwards to (gateway.c).
 *
 * Module init and exit, and the per network namespace life cycle.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "synguard.h"
#include "backlog.h"
#include "conntrack.h"
#include "cookie.h"
#include "events.h"
#include "filter.h"
#include "gateway.h"
#include "halfopen.h"
#include "handoff.h"
#include "hook.h"
#include "netlink.h"
#include "policy.h"
#include "portstat.h"
#include "sysfs.h"
#include "version.h"

unsigned int sg_net_id __read_mostly;

LIST_HEAD(sg_nets);
DEFINE_MUTEX(sg_nets_lock);	/* sg_nets, and sysfs.c's retired counters */

/*
 * Load-time defaults for every namespace; runtime changes go through
 * netlink and are per namespace.
 */
static char *mode = "auto";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "Default mode: off, monitor, auto or always");

static bool gateway = true;
module_param(gateway, bool, 0444);
MODULE_PARM_DESC(gateway, "Answer for services this host forwards to (default on)");

static unsigned int table_size = SG_DEFAULT_TABLE_SIZE;
module_param(table_size, uint, 0444);
MODULE_PARM_DESC(table_size, "Default half-open table slots per namespace");

static struct sg_config sg_default_config;

static int __net_init sg_net_init(struct net *net)
{
	struct sg_net *sn = sg_net(net);
	int ret;

	sn->net = net;
	sn->cfg = sg_default_config;
	mutex_init(&sn->lock);

	sn->stats = alloc_percpu(struct sg_stats);
	if (!sn->stats)
		return -ENOMEM;

	ret = sg_portstat_init(sn);
	if (ret)
		goto err_free_stats;

	ret = sg_halfopen_init(sn);
	if (ret)
		goto err_portstat;

	sg_backlog_init(sn);
	sg_policy_init(sn);
	sg_gateway_init_net(sn);

	ret = sg_hook_register(net);
	if (ret)
		goto err_hooks;

	mutex_lock(&sg_nets_lock);
	list_add_tail(&sn->list, &sg_nets);
	mutex_unlock(&sg_nets_lock);
	return 0;

err_hooks:
	/*
	 * nf_register_net_hooks() took back the hooks it had placed when a
	 * later one failed; a packet may still be inside one of them.
	 */
	synchronize_net();
	sg_policy_stop(sn);
	sg_gateway_exit_net(sn);
	sg_halfopen_destroy(sn);
err_portstat:
	sg_portstat_destroy(sn);
err_free_stats:
	free_percpu(sn->stats);
	return ret;
}

/*
 * Both namespace deletion and module unload wait for an RCU grace period
 * between pre_exit and exit (cleanup_net(), unregister_pernet_subsys()):
 * once the hooks are unregistered here, no packet is still inside them
 * when sg_net_exit() frees what they use. nf_unregister_net_hooks() does
 * not wait for readers itself.
 */
static void __net_exit sg_net_pre_exit(struct net *net)
{
	sg_hook_unregister(net);
	sg_gateway_pre_exit_net(sg_net(net));
}

static void __net_exit sg_net_exit(struct net *net)
{
	struct sg_net *sn = sg_net(net);

	sg_policy_stop(sn);
	sg_gateway_exit_net(sn);

	/* The last SYN is counted: fold the counters into the totals. */
	mutex_lock(&sg_nets_lock);
	list_del(&sn->list);
	sg_stats_retire(sn);
	mutex_unlock(&sg_nets_lock);

	sg_filter_destroy(sn);
	sg_halfopen_destroy(sn);
	sg_portstat_destroy(sn);
	free_percpu(sn->stats);
}

static struct pernet_operations sg_net_ops = {
	.init = sg_net_init,
	.pre_exit = sg_net_pre_exit,
	.exit = sg_net_exit,
	.id = &sg_net_id,
	.size = sizeof(struct sg_net),
};

static int __init sg_init(void)
{
	int ret;

	ret = sg_mode_parse(mode);
	if (ret < 0) {
		pr_err("invalid mode '%s'\n", mode);
		return ret;
	}
	sg_config_defaults(&sg_default_config);
	sg_default_config.mode = ret;
	ret = sg_table_size_check(table_size);
	if (ret) {
		pr_err("table_size %u out of range [%u, %u]\n", table_size,
		       SG_MIN_TABLE_SIZE, SG_MAX_TABLE_SIZE);
		return ret;
	}
	sg_default_config.table_size = table_size;
	sg_default_config.gateway = gateway;
	sg_cookie_init();
	sg_handoff_init();
	ret = sg_conntrack_init();
	if (ret)
		return ret;

	ret = sg_sysfs_init();
	if (ret)
		goto err_conntrack;

	ret = register_pernet_subsys(&sg_net_ops);
	if (ret)
		goto err_sysfs;

	ret = sg_netlink_init();
	if (ret)
		goto err_pernet;
	sg_events_start();

	pr_info("version %s loaded\n", SYNGUARD_VERSION);
	return 0;

err_pernet:
	unregister_pernet_subsys(&sg_net_ops);
	sg_gateway_exit();
err_sysfs:
	sg_sysfs_exit();
err_conntrack:
	sg_conntrack_exit();
	return ret;
}

static void __exit sg_exit(void)
{
	sg_events_stop();
	sg_netlink_exit();
	unregister_pernet_subsys(&sg_net_ops);
	sg_gateway_exit();
	/* Tables replaced by a resize are freed by call_rcu() callbacks. */
	rcu_barrier();
	sg_sysfs_exit();
	sg_conntrack_exit();
}

module_init(sg_init);
module_exit(sg_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SYN-flood defence with half-open tracking and SYN cookies");
MODULE_AUTHOR("The synguard developers");
MODULE_VERSION(SYNGUARD_VERSION);
