// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/synguard/stats/: one counter per file, totals over every
 * network namespace. Per-namespace figures go through netlink.
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "synguard.h"
#include "halfopen.h"
#include "sysfs.h"

const char *const sg_stat_names[SG_STAT_MAX] = {
#define SG_STAT_NAME(upper, lower) [SG_STAT_##upper] = #lower,
	SG_STATS(SG_STAT_NAME)
#undef SG_STAT_NAME
};

/*
 * Counters of namespaces that have gone away, so that the totals never
 * run backwards. Under sg_nets_lock.
 */
static u64 sg_retired[SG_STAT_MAX];

static struct kobject *sg_kobj;

u64 sg_stat_sum(const struct sg_net *sn, enum sg_stat idx)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(sn->stats, cpu)->c[idx]);
	return sum;
}

u64 sg_stat_total(enum sg_stat idx)
{
	struct sg_net *sn;
	u64 sum;

	mutex_lock(&sg_nets_lock);
	sum = sg_retired[idx];
	list_for_each_entry(sn, &sg_nets, list)
		sum += sg_stat_sum(sn, idx);
	mutex_unlock(&sg_nets_lock);
	return sum;
}

void sg_stats_retire(struct sg_net *sn)
{
	int i;

	lockdep_assert_held(&sg_nets_lock);
	for (i = 0; i < SG_STAT_MAX; i++)
		sg_retired[i] += sg_stat_sum(sn, i);
}

/* One per counter, filled in at init from sg_stat_names. */
struct sg_stat_attr {
	struct kobj_attribute attr;
	enum sg_stat idx;
};

static struct sg_stat_attr sg_stat_attrs[SG_STAT_MAX];

static ssize_t sg_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct sg_stat_attr *sa = container_of(attr, struct sg_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n", sg_stat_total(sa->idx));
}

/* A gauge, not a counter: the half-opens tracked right now. */
static ssize_t halfopen_current_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct sg_net *sn;
	u64 sum = 0;

	mutex_lock(&sg_nets_lock);
	list_for_each_entry(sn, &sg_nets, list)
		sum += sg_halfopen_count(sn);
	mutex_unlock(&sg_nets_lock);
	return sysfs_emit(buf, "%llu\n", sum);
}

static struct kobj_attribute sg_attr_halfopen_current =
	__ATTR_RO(halfopen_current);

/* The counters, the gauge, and the terminating NULL. */
static struct attribute *sg_stat_attr_ptrs[SG_STAT_MAX + 2];

static const struct attribute_group sg_stat_group = {
	.name = "stats",
	.attrs = sg_stat_attr_ptrs,
};

int sg_sysfs_init(void)
{
	int ret, i;

	for (i = 0; i < SG_STAT_MAX; i++) {
		struct sg_stat_attr *sa = &sg_stat_attrs[i];

		sysfs_attr_init(&sa->attr.attr);
		sa->attr.attr.name = sg_stat_names[i];
		sa->attr.attr.mode = 0444;
		sa->attr.show = sg_stat_show;
		sa->idx = i;
		sg_stat_attr_ptrs[i] = &sa->attr.attr;
	}
	sg_stat_attr_ptrs[SG_STAT_MAX] = &sg_attr_halfopen_current.attr;

	sg_kobj = kobject_create_and_add("synguard", kernel_kobj);
	if (!sg_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(sg_kobj, &sg_stat_group);
	if (ret)
		goto err_put_kobj;
	return 0;

err_put_kobj:
	kobject_put(sg_kobj);
	return ret;
}

void sg_sysfs_exit(void)
{
	sysfs_remove_group(sg_kobj, &sg_stat_group);
	kobject_put(sg_kobj);
}
