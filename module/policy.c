// SPDX-License-Identifier: GPL-2.0
/*
 * When a namespace in `auto` answers SYNs with cookies.
 *
 * Cookie mode starts on the packet path, at once, when any of these
 * holds for a SYN that would otherwise be tracked:
 *   - the namespace tracks halfopen_high half-open connections or more;
 *   - the table has no free slot for it.
 * A source prefix that holds source_limit half-opens gets cookies for its
 * own SYNs without switching the namespace.
 *
 * Cookie mode ends in the policy work, which runs once a second: after
 * `cooldown` consecutive seconds in which fewer than syn_rate_low SYNs
 * arrived and at most halfopen_low half-opens remained tracked. The gap
 * between the two watermarks and the cooldown keep a flood that pauses
 * for a moment from flapping the mode.
 *
 * In `monitor` the same state is kept and shown, but never acted upon.
 */

#include <linux/jiffies.h>
#include <linux/workqueue.h>
#include <net/tcp.h>

#include "halfopen.h"
#include "policy.h"

void sg_config_defaults(struct sg_config *cfg)
{
	*cfg = (struct sg_config) {
		.mode = SYNGUARD_MODE_AUTO,
		.halfopen_high = 128,
		.halfopen_low = 32,
		.syn_rate_low = 1000,
		.cooldown = 5,
		.halfopen_timeout = 5000,
		.table_size = SG_DEFAULT_TABLE_SIZE,
		.source_limit = 64,
		.prefix4 = 32,
		.prefix6 = 64,
	};
}

int sg_mode_parse(const char *s)
{
	static const char *const names[] = {
		[SYNGUARD_MODE_OFF] = "off",
		[SYNGUARD_MODE_MONITOR] = "monitor",
		[SYNGUARD_MODE_AUTO] = "auto",
		[SYNGUARD_MODE_ALWAYS] = "always",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (sysfs_streq(s, names[i]))
			return i;
	return -EINVAL;
}

void sg_policy_enter(struct sg_net *sn)
{
	/* Many CPUs may cross the watermark at once; count one entry. */
	if (!READ_ONCE(sn->under_attack) &&
	    !cmpxchg(&sn->under_attack, false, true))
		this_cpu_inc(sn->stats->c[SG_STAT_COOKIE_MODE_ENTRIES]);
}

static void sg_policy_work(struct work_struct *work)
{
	struct sg_net *sn = container_of(to_delayed_work(work), struct sg_net,
					 policy_work);
	unsigned int expired;
	u64 total;

	expired = sg_halfopen_expire(sn);
	if (expired)
		this_cpu_add(sn->stats->c[SG_STAT_HALFOPEN_EXPIRED], expired);

	total = sg_stat_sum(sn, SG_STAT_SYN_RECEIVED);
	sn->syn_rate = total - sn->last_syn_total;
	sn->last_syn_total = total;

	if (READ_ONCE(sn->under_attack)) {
		if (sn->syn_rate < READ_ONCE(sn->cfg.syn_rate_low) &&
		    sg_halfopen_count(sn) <= READ_ONCE(sn->cfg.halfopen_low))
			sn->calm_seconds++;
		else
			sn->calm_seconds = 0;
		if (sn->calm_seconds >= READ_ONCE(sn->cfg.cooldown)) {
			WRITE_ONCE(sn->under_attack, false);
			sn->calm_seconds = 0;
			this_cpu_inc(sn->stats->c[SG_STAT_COOKIE_MODE_EXITS]);
		}
	}

	queue_delayed_work(system_power_efficient_wq, &sn->policy_work, HZ);
}

void sg_policy_init(struct sg_net *sn)
{
	/* No cookie is out yet: make the last one older than its validity. */
	sn->last_cookie = jiffies - TCP_SYNCOOKIE_VALID - 1;
	INIT_DELAYED_WORK(&sn->policy_work, sg_policy_work);
	queue_delayed_work(system_power_efficient_wq, &sn->policy_work, HZ);
}

void sg_policy_stop(struct sg_net *sn)
{
	cancel_delayed_work_sync(&sn->policy_work);
}
