// SPDX-License-Identifier: GPL-2.0
/*
 * The "synguard" generic netlink family: runtime configuration and
 * per network namespace state. include/uapi/linux/synguard.h draws every
 * command's attributes; Documentation/netlink/specs/synguard.yaml is the
 * same family as a YNL spec.
 *
 * Every operation acts on the network namespace of the requesting socket
 * (netnsok). Operations that change state, and the dumps that show other
 * users' connections (client addresses, 4-tuples, sequence numbers,
 * forwarded services), need CAP_NET_ADMIN in the user namespace owning
 * it (GENL_UNS_ADMIN_PERM); so does joining the "events" group. What any
 * user may ask for costs bounded memory and time however much the
 * namespace tracks: config, stats, the lists (at most 256 entries, and
 * the forward list's 16 interfaces) and the per-port view (at most
 * SG_PORTSTAT_KEPT ports). Each op has its own strict policy: genetlink
 * refuses any attribute the op does not list, and the policy enforces
 * every numeric range and length; what a policy cannot say is checked
 * here, with an extack message naming the attribute at fault.
 *
 * Writers serialise on sn->lock. A new configuration is built in a copy,
 * validated as a whole and only then published field by field with
 * WRITE_ONCE(); the packet path reads each field once with READ_ONCE().
 */

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/tcp.h>

#include "backend.h"
#include "compat.h"
#include "filter.h"
#include "gateway.h"
#include "halfopen.h"
#include "netlink.h"
#include "policy.h"
#include "portstat.h"
#include "sources.h"

/*
 * Numeric limits, as in the spec's checks. The range tables are not
 * const because 6.1's nla_policy points to them without const; nothing
 * writes them after init.
 */
#define SG_MAX_SYN_RATE		100000000U
#define SG_MAX_COOLDOWN		3600	/* seconds */
#define SG_MIN_TIMEOUT		100U	/* milliseconds */
#define SG_MAX_TIMEOUT		600000U
#define SG_MAX_DUMP_LIMIT	65536U

static struct netlink_range_validation sg_high_range __ro_after_init = {
	.min = 1, .max = SG_MAX_TABLE_SIZE,
};

static struct netlink_range_validation sg_low_range __ro_after_init = {
	.min = 0, .max = SG_MAX_TABLE_SIZE,
};

static struct netlink_range_validation sg_syn_rate_range __ro_after_init = {
	.min = 1, .max = SG_MAX_SYN_RATE,
};

static struct netlink_range_validation sg_timeout_range __ro_after_init = {
	.min = SG_MIN_TIMEOUT, .max = SG_MAX_TIMEOUT,
};

static struct netlink_range_validation sg_table_size_range __ro_after_init = {
	.min = SG_MIN_TABLE_SIZE, .max = SG_MAX_TABLE_SIZE,
};

static struct netlink_range_validation sg_source_limit_range __ro_after_init = {
	.min = 1, .max = SG_MAX_TABLE_SIZE,
};

static struct netlink_range_validation sg_dump_limit_range __ro_after_init = {
	.min = 1, .max = SG_MAX_DUMP_LIMIT,
};

static struct netlink_range_validation sg_gateway_table_range __ro_after_init = {
	.min = SG_BE_MIN_SLOTS, .max = SG_BE_MAX_SLOTS,
};

static const struct nla_policy sg_set_config_policy[SYNGUARD_A_GATEWAY_TABLE + 1] = {
	[SYNGUARD_A_MODE] = NLA_POLICY_MAX(NLA_U32, SYNGUARD_MODE_MAX),
	[SYNGUARD_A_HALFOPEN_HIGH] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &sg_high_range),
	[SYNGUARD_A_HALFOPEN_LOW] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &sg_low_range),
	[SYNGUARD_A_SYN_RATE_LOW] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &sg_syn_rate_range),
	[SYNGUARD_A_COOLDOWN] = NLA_POLICY_RANGE(NLA_U32, 1, SG_MAX_COOLDOWN),
	[SYNGUARD_A_HALFOPEN_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							      &sg_timeout_range),
	[SYNGUARD_A_TABLE_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&sg_table_size_range),
	[SYNGUARD_A_SOURCE_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &sg_source_limit_range),
	[SYNGUARD_A_PREFIX4] = NLA_POLICY_MAX(NLA_U8, 32),
	[SYNGUARD_A_PREFIX6] = NLA_POLICY_MAX(NLA_U8, 128),
	[SYNGUARD_A_GATEWAY] = NLA_POLICY_MAX(NLA_U8, 1),
	[SYNGUARD_A_GATEWAY_TABLE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &sg_gateway_table_range),
};

static const struct nla_policy sg_port_range_policy[SYNGUARD_A_PORT_RANGE_MAX + 1] = {
	[SYNGUARD_A_PORT_RANGE_FIRST] = NLA_POLICY_MIN(NLA_U16, 1),
	[SYNGUARD_A_PORT_RANGE_LAST] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy sg_ports_policy[SYNGUARD_A_PORT_RANGE + 1] = {
	[SYNGUARD_A_PORT_RANGE] = NLA_POLICY_NESTED(sg_port_range_policy),
};

/* A request names a prefix; the count is for replies only. */
static const struct nla_policy sg_prefix_policy[SYNGUARD_A_PREFIX_LEN + 1] = {
	[SYNGUARD_A_PREFIX_FAMILY] = { .type = NLA_U16 },
	[SYNGUARD_A_PREFIX_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SYNGUARD_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy sg_allow_policy[SYNGUARD_A_ALLOW + 1] = {
	[SYNGUARD_A_ALLOW] = NLA_POLICY_NESTED(sg_prefix_policy),
};

/* Prefixes and interface names, which the handler checks further. */
static const struct nla_policy sg_forward_policy[SYNGUARD_A_FORWARD_DEV + 1] = {
	[SYNGUARD_A_FORWARD] = NLA_POLICY_NESTED(sg_prefix_policy),
	[SYNGUARD_A_FORWARD_DEV] = { .type = NLA_NUL_STRING,
				     .len = IFNAMSIZ - 1 },
};

/* The dumps that take a top-N limit: sources, port stats. */
static const struct nla_policy sg_dump_limit_policy[SYNGUARD_A_LIMIT + 1] = {
	[SYNGUARD_A_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &sg_dump_limit_range),
};

/*
 * Each counter's uAPI attribute, numbered in stats.h's order from
 * SYN_RECEIVED, past the gauge, which keeps the number it had after the
 * first counters (gateway_learned the last of them). A counter missing
 * from the uAPI, or out of place, fails the build.
 */
#define SG_STAT_NLA_CHECK(upper, lower)					\
	static_assert(SYNGUARD_A_STATS_##upper ==				\
		      SYNGUARD_A_STATS_SYN_RECEIVED + SG_STAT_##upper +	\
		      (SG_STAT_##upper > SG_STAT_GATEWAY_LEARNED),		\
		      "uAPI attribute of " #lower " out of place");
SG_STATS(SG_STAT_NLA_CHECK)
#undef SG_STAT_NLA_CHECK
static_assert(SYNGUARD_A_STATS_HALFOPEN_CURRENT ==
	      SYNGUARD_A_STATS_GATEWAY_LEARNED + 1);
/* The pad, the counters and the gauge, and nothing else. */
static_assert(SG_STAT_MAX + 2 == SYNGUARD_A_STATS_MAX);

static struct sg_net *sg_info_net(struct genl_info *info)
{
	return sg_net(genl_info_net(info));
}

/*
 * net.netfilter.nf_conntrack_tcp_loose of @net, or -ENOENT when
 * nf_conntrack is not loaded. The value lives in struct net itself and
 * nf_ct_hook in the netfilter core, so reading them creates no module
 * dependency; the hook is set only once every namespace's conntrack
 * state is initialised.
 */
static int sg_ct_tcp_loose(const struct net *net)
{
	int loose = -ENOENT;

#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	rcu_read_lock();
	if (rcu_dereference(nf_ct_hook))
		loose = READ_ONCE(net->ct.nf_ct_proto.tcp.tcp_loose);
	rcu_read_unlock();
#endif
	return loose;
}

static int sg_put_state(struct sk_buff *skb, struct sg_net *sn)
{
	int loose = sg_ct_tcp_loose(sn->net);
	struct nlattr *nest;

	nest = nla_nest_start(skb, SYNGUARD_A_STATE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, SYNGUARD_A_STATE_UNDER_ATTACK,
		       READ_ONCE(sn->under_attack)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_SYN_RATE,
			READ_ONCE(sn->syn_rate)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_HALFOPEN_CURRENT,
			sg_halfopen_count(sn)) ||
	    nla_put_u8(skb, SYNGUARD_A_STATE_TCP_SYNCOOKIES,
		       READ_ONCE(sn->net->ipv4.sysctl_tcp_syncookies)) ||
	    (loose >= 0 &&
	     nla_put_u8(skb, SYNGUARD_A_STATE_CT_TCP_LOOSE, loose)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_TABLE_SLOTS,
			sg_halfopen_slots(sn)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_REASON, READ_ONCE(sn->reason)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_HALFOPEN_EXPECTED,
			READ_ONCE(sn->halfopen_expected)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_HALFOPEN_ENTER,
			sg_halfopen_enter(sn)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_UNANSWERED_RATE,
			READ_ONCE(sn->unanswered_rate)) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_PORTS_EXEMPT,
			hweight_long(READ_ONCE(sn->ports_calm))) ||
	    nla_put_u32(skb, SYNGUARD_A_STATE_BACKENDS,
			sg_gateway_destinations(sn))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sg_put_config(struct sk_buff *skb, const struct sg_config *cfg)
{
	if (nla_put_u32(skb, SYNGUARD_A_MODE, READ_ONCE(cfg->mode)) ||
	    nla_put_u32(skb, SYNGUARD_A_HALFOPEN_HIGH,
			READ_ONCE(cfg->halfopen_high)) ||
	    nla_put_u32(skb, SYNGUARD_A_HALFOPEN_LOW,
			READ_ONCE(cfg->halfopen_low)) ||
	    nla_put_u32(skb, SYNGUARD_A_SYN_RATE_LOW,
			READ_ONCE(cfg->syn_rate_low)) ||
	    nla_put_u32(skb, SYNGUARD_A_COOLDOWN, READ_ONCE(cfg->cooldown)) ||
	    nla_put_u32(skb, SYNGUARD_A_HALFOPEN_TIMEOUT,
			READ_ONCE(cfg->halfopen_timeout)) ||
	    nla_put_u32(skb, SYNGUARD_A_TABLE_SIZE,
			READ_ONCE(cfg->table_size)) ||
	    nla_put_u32(skb, SYNGUARD_A_SOURCE_LIMIT,
			READ_ONCE(cfg->source_limit)) ||
	    nla_put_u8(skb, SYNGUARD_A_PREFIX4, READ_ONCE(cfg->prefix4)) ||
	    nla_put_u8(skb, SYNGUARD_A_PREFIX6, READ_ONCE(cfg->prefix6)) ||
	    nla_put_u8(skb, SYNGUARD_A_GATEWAY, READ_ONCE(cfg->gateway)) ||
	    nla_put_u32(skb, SYNGUARD_A_GATEWAY_TABLE,
			READ_ONCE(cfg->gateway_table)))
		return -EMSGSIZE;
	return 0;
}

static int sg_put_stats(struct sk_buff *skb, struct sg_net *sn)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, SYNGUARD_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < SG_STAT_MAX; i++) {
		int attr = SYNGUARD_A_STATS_SYN_RECEIVED + i;

		/* Past the gauge's number (above). */
		if (i > SG_STAT_GATEWAY_LEARNED)
			attr++;
		if (nla_put_u64_64bit(skb, attr, sg_stat_sum(sn, i),
				      SYNGUARD_A_STATS_PAD))
			goto cancel;
	}
	if (nla_put_u64_64bit(skb, SYNGUARD_A_STATS_HALFOPEN_CURRENT,
			      sg_halfopen_count(sn), SYNGUARD_A_STATS_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int sg_put_prefix(struct sk_buff *skb, int type,
		  const struct sg_prefix *p, const u32 *count)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, SYNGUARD_A_PREFIX_FAMILY, p->family) ||
	    nla_put(skb, SYNGUARD_A_PREFIX_ADDR,
		    p->family == AF_INET ? 4 : 16, p->addr) ||
	    nla_put_u8(skb, SYNGUARD_A_PREFIX_LEN, p->len) ||
	    (count && nla_put_u32(skb, SYNGUARD_A_PREFIX_COUNT, *count))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sg_put_port_range(struct sk_buff *skb,
			     const struct sg_port_range *r)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SYNGUARD_A_PORT_RANGE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, SYNGUARD_A_PORT_RANGE_FIRST, r->min) ||
	    nla_put_u16(skb, SYNGUARD_A_PORT_RANGE_LAST, r->max)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A reply of @size bytes of attributes, filled by @fill. */
static int sg_reply(struct genl_info *info, size_t size,
		    int (*fill)(struct sk_buff *skb, struct sg_net *sn,
				void *arg),
		    void *arg)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sg_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	ret = fill(msg, sg_info_net(info), arg);
	if (ret)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

static int sg_fill_config(struct sk_buff *skb, struct sg_net *sn, void *arg)
{
	return sg_put_config(skb, &sn->cfg) ?: sg_put_state(skb, sn);
}

static int sg_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return sg_reply(info, NLMSG_GOODSIZE, sg_fill_config, NULL);
}

static void sg_config_publish(struct sg_net *sn, const struct sg_config *cfg)
{
	struct sg_config *c = &sn->cfg;

	lockdep_assert_held(&sn->lock);
	WRITE_ONCE(c->mode, cfg->mode);
	WRITE_ONCE(c->halfopen_high, cfg->halfopen_high);
	WRITE_ONCE(c->halfopen_low, cfg->halfopen_low);
	WRITE_ONCE(c->syn_rate_low, cfg->syn_rate_low);
	WRITE_ONCE(c->cooldown, cfg->cooldown);
	WRITE_ONCE(c->halfopen_timeout, cfg->halfopen_timeout);
	WRITE_ONCE(c->table_size, cfg->table_size);
	WRITE_ONCE(c->source_limit, cfg->source_limit);
	WRITE_ONCE(c->prefix4, cfg->prefix4);
	WRITE_ONCE(c->prefix6, cfg->prefix6);
	WRITE_ONCE(c->gateway, cfg->gateway);
	WRITE_ONCE(c->gateway_table, cfg->gateway_table);
}

static int sg_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct sg_net *sn = sg_info_net(info);
	struct nlattr **a = info->attrs;
	struct sg_config cfg;
	bool any = false;
	int i, ret = 0;

	for (i = SYNGUARD_A_MODE; i <= SYNGUARD_A_GATEWAY_TABLE; i++)
		any |= !!a[i];
	if (!any) {
		NL_SET_ERR_MSG(extack, "no setting given");
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	cfg = sn->cfg;
	if (a[SYNGUARD_A_MODE])
		cfg.mode = nla_get_u32(a[SYNGUARD_A_MODE]);
	if (a[SYNGUARD_A_HALFOPEN_HIGH])
		cfg.halfopen_high = nla_get_u32(a[SYNGUARD_A_HALFOPEN_HIGH]);
	if (a[SYNGUARD_A_HALFOPEN_LOW])
		cfg.halfopen_low = nla_get_u32(a[SYNGUARD_A_HALFOPEN_LOW]);
	if (a[SYNGUARD_A_SYN_RATE_LOW])
		cfg.syn_rate_low = nla_get_u32(a[SYNGUARD_A_SYN_RATE_LOW]);
	if (a[SYNGUARD_A_COOLDOWN])
		cfg.cooldown = nla_get_u32(a[SYNGUARD_A_COOLDOWN]);
	if (a[SYNGUARD_A_HALFOPEN_TIMEOUT])
		cfg.halfopen_timeout =
			nla_get_u32(a[SYNGUARD_A_HALFOPEN_TIMEOUT]);
	if (a[SYNGUARD_A_TABLE_SIZE])
		cfg.table_size = nla_get_u32(a[SYNGUARD_A_TABLE_SIZE]);
	if (a[SYNGUARD_A_SOURCE_LIMIT])
		cfg.source_limit = nla_get_u32(a[SYNGUARD_A_SOURCE_LIMIT]);
	if (a[SYNGUARD_A_PREFIX4])
		cfg.prefix4 = nla_get_u8(a[SYNGUARD_A_PREFIX4]);
	if (a[SYNGUARD_A_PREFIX6])
		cfg.prefix6 = nla_get_u8(a[SYNGUARD_A_PREFIX6]);
	if (a[SYNGUARD_A_GATEWAY])
		cfg.gateway = nla_get_u8(a[SYNGUARD_A_GATEWAY]);
	if (a[SYNGUARD_A_GATEWAY_TABLE])
		cfg.gateway_table =
			sg_backends_round(nla_get_u32(a[SYNGUARD_A_GATEWAY_TABLE]));

	/* The whole new set must hold together before any of it counts. */
	if (cfg.halfopen_low > cfg.halfopen_high) {
		NL_SET_ERR_MSG_ATTR(extack,
				    a[SYNGUARD_A_HALFOPEN_LOW] ?:
				    a[SYNGUARD_A_HALFOPEN_HIGH],
				    "halfopen_low must not exceed halfopen_high");
		ret = -EINVAL;
		goto out_unlock;
	}
	if (cfg.table_size != sn->cfg.table_size) {
		ret = sg_halfopen_resize(sn, cfg.table_size);
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, a[SYNGUARD_A_TABLE_SIZE],
					    "cannot allocate a table that size");
			goto out_unlock;
		}
	}
	if (cfg.gateway_table != sn->cfg.gateway_table) {
		ret = sg_gateway_resize(sn, cfg.gateway_table);
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, a[SYNGUARD_A_GATEWAY_TABLE],
					    "cannot allocate a gateway table that size");
			goto out_unlock;
		}
	}
	sg_config_publish(sn, &cfg);

out_unlock:
	mutex_unlock(&sn->lock);
	return ret;
}

static int sg_fill_stats(struct sk_buff *skb, struct sg_net *sn, void *arg)
{
	return sg_put_stats(skb, sn) ?: sg_put_state(skb, sn);
}

static int sg_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	return sg_reply(info, NLMSG_GOODSIZE, sg_fill_stats, NULL);
}

/* Port ranges and prefixes ------------------------------------------ */

/* The top-level attributes of type @type in the request, counted. */
static unsigned int sg_count_attrs(struct genl_info *info, int type)
{
	unsigned int n = 0;
	struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		n += nla_type(nla) == type;
	return n;
}

/*
 * Collects the request's @type attributes into a new array @nla, at
 * most @max of them. Returns how many; the caller frees @nla.
 */
static int sg_collect_attrs(struct genl_info *info, int type,
			    unsigned int max, struct nlattr ***nla)
{
	unsigned int n = sg_count_attrs(info, type), i = 0;
	struct nlattr *attr;
	int rem;

	if (n > max) {
		NL_SET_ERR_MSG(info->extack, "too many entries in one request");
		return -E2BIG;
	}
	*nla = kcalloc(n, sizeof(**nla), GFP_KERNEL);
	if (!*nla)
		return -ENOMEM;
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		if (nla_type(attr) == type)
			(*nla)[i++] = attr;
	return n;
}

static int sg_parse_port_range(struct nlattr *nla, struct sg_port_range *r,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SYNGUARD_A_PORT_RANGE_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, SYNGUARD_A_PORT_RANGE_MAX, nla,
			       sg_port_range_policy, extack);
	if (ret)
		return ret;
	if (!tb[SYNGUARD_A_PORT_RANGE_FIRST]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "port range without a minimum");
		return -EINVAL;
	}
	r->min = nla_get_u16(tb[SYNGUARD_A_PORT_RANGE_FIRST]);
	r->max = tb[SYNGUARD_A_PORT_RANGE_LAST] ?
		 nla_get_u16(tb[SYNGUARD_A_PORT_RANGE_LAST]) : r->min;
	if (r->min > r->max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SYNGUARD_A_PORT_RANGE_LAST],
				    "port range ends before it starts");
		return -EINVAL;
	}
	return 0;
}

static int sg_ports_change_nl(struct genl_info *info, bool add)
{
	struct netlink_ext_ack *extack = info->extack;
	struct sg_net *sn = sg_info_net(info);
	struct sg_port_range r[SG_MAX_PORT_RANGES];
	unsigned int bad = 0;
	struct nlattr **nla;
	int n, i, ret;

	if (!sg_count_attrs(info, SYNGUARD_A_PORT_RANGE)) {
		NL_SET_ERR_MSG(extack, "no port range given");
		return -EINVAL;
	}
	n = sg_collect_attrs(info, SYNGUARD_A_PORT_RANGE, SG_MAX_PORT_RANGES,
			     &nla);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		ret = sg_parse_port_range(nla[i], &r[i], extack);
		if (ret)
			goto out;
	}

	mutex_lock(&sn->lock);
	ret = sg_ports_change(sn, r, n, add, &bad);
	mutex_unlock(&sn->lock);

	switch (ret) {
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(extack, nla[bad], "port range already present");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(extack, nla[bad], "no such port range");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(extack, nla[bad],
				    "too many port ranges (at most 32)");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(extack, nla[bad], "invalid port range");
		break;
	}
out:
	kfree(nla);
	return ret;
}

static int sg_nl_ports_add(struct sk_buff *skb, struct genl_info *info)
{
	return sg_ports_change_nl(info, true);
}

static int sg_nl_ports_del(struct sk_buff *skb, struct genl_info *info)
{
	return sg_ports_change_nl(info, false);
}

static int sg_fill_ports(struct sk_buff *skb, struct sg_net *sn, void *arg)
{
	struct sg_port_range r[SG_MAX_PORT_RANGES];
	unsigned int i, n;

	mutex_lock(&sn->lock);
	n = sg_ports_get(sn, r);
	mutex_unlock(&sn->lock);
	for (i = 0; i < n; i++)
		if (sg_put_port_range(skb, &r[i]))
			return -EMSGSIZE;
	return 0;
}

static int sg_nl_ports_get(struct sk_buff *skb, struct genl_info *info)
{
	return sg_reply(info, SG_MAX_PORT_RANGES *
			nla_total_size(2 * nla_total_size(sizeof(u16))),
			sg_fill_ports, NULL);
}

static int sg_parse_prefix(struct nlattr *nla, struct sg_prefix *p,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SYNGUARD_A_PREFIX_LEN + 1];
	unsigned int alen;
	int ret;

	ret = nla_parse_nested(tb, SYNGUARD_A_PREFIX_LEN, nla,
			       sg_prefix_policy, extack);
	if (ret)
		return ret;
	if (!tb[SYNGUARD_A_PREFIX_FAMILY] || !tb[SYNGUARD_A_PREFIX_ADDR] ||
	    !tb[SYNGUARD_A_PREFIX_LEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "prefix needs a family, an address and a length");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->family = nla_get_u16(tb[SYNGUARD_A_PREFIX_FAMILY]);
	p->len = nla_get_u8(tb[SYNGUARD_A_PREFIX_LEN]);
	alen = nla_len(tb[SYNGUARD_A_PREFIX_ADDR]);
	if (p->family != AF_INET && p->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SYNGUARD_A_PREFIX_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (alen != (p->family == AF_INET ? 4 : 16)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SYNGUARD_A_PREFIX_ADDR],
				    "address length does not match the family");
		return -EINVAL;
	}
	if (p->len > alen * 8) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SYNGUARD_A_PREFIX_LEN],
				    "prefix length too long for the family");
		return -EINVAL;
	}
	nla_memcpy(p->addr, tb[SYNGUARD_A_PREFIX_ADDR], alen);
	if (!sg_prefix_valid(p)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SYNGUARD_A_PREFIX_ADDR],
				    "address has bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

/*
 * An interface name, NUL padded as filter.c compares them. The policy
 * found a NUL within IFNAMSIZ bytes.
 */
static int sg_parse_ifname(const struct nlattr *nla, struct sg_ifname *d,
			   struct netlink_ext_ack *extack)
{
	strscpy_pad(d->name, nla_data(nla), sizeof(d->name));
	if (!d->name[0]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "empty interface name");
		return -EINVAL;
	}
	if (!dev_valid_name(d->name)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "invalid interface name");
		return -EINVAL;
	}
	return 0;
}

/* Each list of prefixes (filter.c) and the attribute of its items. */
static const int sg_plist_attr[] = {
	[SG_PLIST_ALLOW] = SYNGUARD_A_ALLOW,
	[SG_PLIST_FORWARD] = SYNGUARD_A_FORWARD,
};

/*
 * Why @list refused a change (sg_plist_change()'s @err), on @nla: a
 * prefix, or with @dev an interface of the forward list. The messages
 * name the list; NL_SET_ERR_MSG() takes a literal, and 6.1 has no
 * formatted ones.
 */
static void sg_plist_err(struct netlink_ext_ack *extack,
			 const struct nlattr *nla, enum sg_plist list,
			 bool dev, int err)
{
	bool fwd = list == SG_PLIST_FORWARD;

	switch (err) {
	case -EEXIST:
		if (dev)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "interface already in the forward list");
		else if (fwd)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "prefix already in the forward list");
		else
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "prefix already in the allowlist");
		break;
	case -ENOENT:
		if (dev)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "interface not in the forward list");
		else if (fwd)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "prefix not in the forward list");
		else
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "prefix not in the allowlist");
		break;
	case -ENOSPC:
		if (dev)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "forward list full (at most 16 interfaces)");
		else if (fwd)
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "forward list full (at most 256 prefixes)");
		else
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "allowlist full (at most 256 prefixes)");
		break;
	case -EINVAL:
		if (dev)
			NL_SET_ERR_MSG_ATTR(extack, nla, "invalid interface name");
		else
			NL_SET_ERR_MSG_ATTR(extack, nla, "invalid prefix");
		break;
	}
}

/*
 * A change to @list: its prefixes and, the forward list's, interfaces,
 * in one request that applies all of them or none.
 */
static int sg_plist_change_nl(struct genl_info *info, enum sg_plist list,
			      bool add)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **nla = NULL, **dnla = NULL;
	struct sg_net *sn = sg_info_net(info);
	bool fwd = list == SG_PLIST_FORWARD;
	int attr = sg_plist_attr[list];
	struct sg_ifname *dev = NULL;
	struct sg_prefix *p = NULL;
	int n, ndev = 0, i, ret;
	unsigned int bad = 0;

	if (!sg_count_attrs(info, attr) &&
	    (!fwd || !sg_count_attrs(info, SYNGUARD_A_FORWARD_DEV))) {
		if (fwd)
			NL_SET_ERR_MSG(extack, "no prefix or interface given");
		else
			NL_SET_ERR_MSG(extack, "no prefix given");
		return -EINVAL;
	}
	n = sg_collect_attrs(info, attr, SG_MAX_PREFIXES, &nla);
	if (n < 0)
		return n;
	if (fwd) {
		ndev = sg_collect_attrs(info, SYNGUARD_A_FORWARD_DEV,
					SG_MAX_FORWARD_DEVS, &dnla);
		if (ndev < 0) {
			ret = ndev;
			goto out;
		}
	}
	p = kcalloc(n, sizeof(*p), GFP_KERNEL);
	dev = kcalloc(ndev, sizeof(*dev), GFP_KERNEL);
	if (!p || !dev) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = sg_parse_prefix(nla[i], &p[i], extack);
		if (ret)
			goto out;
	}
	for (i = 0; i < ndev; i++) {
		ret = sg_parse_ifname(dnla[i], &dev[i], extack);
		if (ret)
			goto out;
	}

	mutex_lock(&sn->lock);
	ret = sg_plist_change(sn, list, p, n, dev, ndev, add, &bad);
	mutex_unlock(&sn->lock);
	if (ret)
		sg_plist_err(extack, bad < n ? nla[bad] : dnla[bad - n], list,
			     bad >= n, ret);
out:
	kfree(dev);
	kfree(p);
	kfree(dnla);
	kfree(nla);
	return ret;
}

static int sg_nl_allow_add(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_change_nl(info, SG_PLIST_ALLOW, true);
}

static int sg_nl_allow_del(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_change_nl(info, SG_PLIST_ALLOW, false);
}

static int sg_nl_forward_add(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_change_nl(info, SG_PLIST_FORWARD, true);
}

static int sg_nl_forward_del(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_change_nl(info, SG_PLIST_FORWARD, false);
}

static size_t sg_prefix_size(void)
{
	return nla_total_size(nla_total_size(sizeof(u16)) +
			      nla_total_size(16) +
			      nla_total_size(sizeof(u8)) +
			      nla_total_size(sizeof(u32)));
}

/* A copy of one list of prefixes, and its interfaces, for its reply. */
struct sg_plist_copy {
	enum sg_plist list;
	struct sg_prefix p[SG_MAX_PREFIXES];
	struct sg_ifname dev[SG_MAX_FORWARD_DEVS];
};

static int sg_fill_plist(struct sk_buff *skb, struct sg_net *sn, void *arg)
{
	struct sg_plist_copy *c = arg;
	unsigned int i, n, ndev = 0;

	mutex_lock(&sn->lock);
	n = sg_plist_get(sn, c->list, c->p);
	if (c->list == SG_PLIST_FORWARD)
		ndev = sg_forward_devs_get(sn, c->dev);
	mutex_unlock(&sn->lock);
	for (i = 0; i < n; i++)
		if (sg_put_prefix(skb, sg_plist_attr[c->list], &c->p[i], NULL))
			return -EMSGSIZE;
	for (i = 0; i < ndev; i++)
		if (nla_put_string(skb, SYNGUARD_A_FORWARD_DEV, c->dev[i].name))
			return -EMSGSIZE;
	return 0;
}

static int sg_plist_get_nl(struct genl_info *info, enum sg_plist list)
{
	struct sg_plist_copy *c;
	int ret;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->list = list;
	ret = sg_reply(info, SG_MAX_PREFIXES * sg_prefix_size() +
		       SG_MAX_FORWARD_DEVS * nla_total_size(IFNAMSIZ),
		       sg_fill_plist, c);
	kfree(c);
	return ret;
}

static int sg_nl_allow_get(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_get_nl(info, SG_PLIST_ALLOW);
}

static int sg_nl_forward_get(struct sk_buff *skb, struct genl_info *info)
{
	return sg_plist_get_nl(info, SG_PLIST_FORWARD);
}

/* The sources dump ------------------------------------------------- */

/*
 * The half-open table aggregated by source prefix (sources.c), built
 * once when the dump starts and sent over as many parts as it takes:
 * cb->args[0] is the array, args[1] its length, args[2] the next entry.
 */
static int sg_nl_sources_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_net(sock_net(cb->skb->sk));
	struct nlattr **a = sg_genl_dump_attrs(cb);
	u32 limit = U32_MAX;
	struct sg_source *s;
	unsigned int n;
	int ret;

	if (a && a[SYNGUARD_A_LIMIT])
		limit = nla_get_u32(a[SYNGUARD_A_LIMIT]);
	ret = sg_sources_top(sn, limit, &s, &n);
	if (ret)
		return ret;
	cb->args[0] = (long)s;
	cb->args[1] = n;
	return 0;
}

/*
 * Sends entries *@next to @n - 1 of an array made when a dump started,
 * one message each, as many as fit; @put writes entry @i of @arr.
 */
static int sg_dump_array(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd, unsigned int *next, unsigned int n,
			 int (*put)(struct sk_buff *skb, const void *arr,
				    unsigned int i),
			 const void *arr)
{
	void *hdr;

	for (; *next < n; ++*next) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sg_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		if (put(skb, arr, *next)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;
}

static int sg_src_put(struct sk_buff *skb, const void *arr, unsigned int i)
{
	const struct sg_source *s = arr;

	return sg_put_prefix(skb, SYNGUARD_A_SOURCE, &s[i].p, &s[i].count);
}

static int sg_nl_sources_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int next = cb->args[2];
	int ret;

	ret = sg_dump_array(skb, cb, SYNGUARD_CMD_GET_SOURCES, &next,
			    cb->args[1], sg_src_put, (const void *)cb->args[0]);
	cb->args[2] = next;
	return ret;
}

/* The per-port dump ----------------------------------------------- */

int sg_put_port(struct sk_buff *skb, const struct sg_port_view *v)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SYNGUARD_A_PORT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, SYNGUARD_A_PORT_NUM, v->port) ||
	    nla_put_u32(skb, SYNGUARD_A_PORT_SYN_RATE, v->rate[SG_PORT_SYN]) ||
	    nla_put_u32(skb, SYNGUARD_A_PORT_SENT_RATE,
			v->rate[SG_PORT_SENT]) ||
	    nla_put_u32(skb, SYNGUARD_A_PORT_VALIDATED_RATE,
			v->rate[SG_PORT_VALIDATED]) ||
	    nla_put_u64_64bit(skb, SYNGUARD_A_PORT_SYNS,
			      v->total[SG_PORT_SYN], SYNGUARD_A_PORT_PAD) ||
	    nla_put_u64_64bit(skb, SYNGUARD_A_PORT_COOKIES_SENT,
			      v->total[SG_PORT_SENT], SYNGUARD_A_PORT_PAD) ||
	    nla_put_u64_64bit(skb, SYNGUARD_A_PORT_COOKIES_VALIDATED,
			      v->total[SG_PORT_VALIDATED],
			      SYNGUARD_A_PORT_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A copy of the busiest ports, taken when the dump starts. */
struct sg_port_dump {
	unsigned int n, next;
	struct sg_port_view v[SG_PORTSTAT_KEPT];
};

static int sg_nl_port_stats_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_net(sock_net(cb->skb->sk));
	struct nlattr **a = sg_genl_dump_attrs(cb);
	u32 limit = SG_PORTSTAT_KEPT;
	struct sg_port_dump *d;

	if (a && a[SYNGUARD_A_LIMIT])
		limit = min(limit, nla_get_u32(a[SYNGUARD_A_LIMIT]));
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	d->n = sg_portstat_top(sn, d->v, limit, false);
	cb->args[0] = (long)d;
	return 0;
}

static int sg_port_put(struct sk_buff *skb, const void *arr, unsigned int i)
{
	const struct sg_port_dump *d = arr;

	return sg_put_port(skb, &d->v[i]);
}

static int sg_nl_port_stats_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct sg_port_dump *d = (struct sg_port_dump *)cb->args[0];

	return sg_dump_array(skb, cb, SYNGUARD_CMD_GET_PORT_STATS, &d->next,
			     d->n, sg_port_put, d);
}

/* Also the sources dump's: both keep one allocation in args[0]. */
static int sg_nl_dump_free(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[0]);
	return 0;
}

/* The half-open dump ----------------------------------------------- */

/*
 * One message per entry, straight from the table: cb->args[0] is the
 * slot to resume at, cb->args[1] set once the walk got to the end.
 */
struct sg_ho_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int sg_ho_put(void *arg, const struct sg_ho_view *v)
{
	struct sg_ho_dump *ctx = arg;
	struct sk_buff *skb = ctx->skb;
	int alen = v->family == AF_INET ? 4 : 16;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(ctx->cb->skb).portid,
			  ctx->cb->nlh->nlmsg_seq, &sg_genl_family,
			  NLM_F_MULTI, SYNGUARD_CMD_GET_HALFOPEN);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SYNGUARD_A_HALFOPEN);
	if (!nest ||
	    nla_put_u16(skb, SYNGUARD_A_HALFOPEN_FAMILY, v->family) ||
	    nla_put(skb, SYNGUARD_A_HALFOPEN_SADDR, alen, v->saddr) ||
	    nla_put(skb, SYNGUARD_A_HALFOPEN_DADDR, alen, v->daddr) ||
	    nla_put_be16(skb, SYNGUARD_A_HALFOPEN_SPORT, v->sport) ||
	    nla_put_be16(skb, SYNGUARD_A_HALFOPEN_DPORT, v->dport) ||
	    nla_put_u32(skb, SYNGUARD_A_HALFOPEN_ISN, v->isn) ||
	    nla_put_u32(skb, SYNGUARD_A_HALFOPEN_AGE, v->age_ms)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int sg_nl_halfopen_dump(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct sg_net *sn = sg_net(sock_net(cb->skb->sk));
	struct sg_ho_dump ctx = { .skb = skb, .cb = cb };
	u32 pos = cb->args[0];

	if (cb->args[1])
		return 0;
	if (!sg_halfopen_walk(sn, &pos, sg_ho_put, &ctx))
		cb->args[1] = 1;
	cb->args[0] = pos;
	return skb->len;
}

/* The gateway destinations dump ----------------------------------- */

static int sg_be_put(void *arg, const struct sg_backend_view *v)
{
	struct sg_ho_dump *ctx = arg;
	struct sk_buff *skb = ctx->skb;
	u32 flags = SYNGUARD_BACKEND_F_LEARNED;
	struct nlattr *nest;
	void *hdr;

	if (!v->o.mss && !v->closed)
		flags = 0;
	if ((v->o.flags & (SG_BE_SACK_YES | SG_BE_SACK_NO)) == SG_BE_SACK_YES)
		flags |= SYNGUARD_BACKEND_F_SACK;
	if (v->o.flags & SG_BE_TS)
		flags |= SYNGUARD_BACKEND_F_TIMESTAMPS;
	if (v->o.flags & SG_BE_ECN)
		flags |= SYNGUARD_BACKEND_F_ECN;
	if (v->closed)
		flags |= SYNGUARD_BACKEND_F_CLOSED;

	hdr = genlmsg_put(skb, NETLINK_CB(ctx->cb->skb).portid,
			  ctx->cb->nlh->nlmsg_seq, &sg_genl_family,
			  NLM_F_MULTI, SYNGUARD_CMD_GET_BACKENDS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SYNGUARD_A_BACKEND);
	if (!nest ||
	    nla_put_u16(skb, SYNGUARD_A_BACKEND_FAMILY, v->d.family) ||
	    nla_put(skb, SYNGUARD_A_BACKEND_ADDR,
		    v->d.family == AF_INET ? 4 : 16, v->d.addr) ||
	    nla_put_be16(skb, SYNGUARD_A_BACKEND_PORT, v->d.port) ||
	    nla_put_u16(skb, SYNGUARD_A_BACKEND_MSS, v->o.mss) ||
	    (v->o.wscale <= TCP_MAX_WSCALE &&
	     nla_put_u8(skb, SYNGUARD_A_BACKEND_WSCALE, v->o.wscale)) ||
	    nla_put_u32(skb, SYNGUARD_A_BACKEND_FLAGS, flags) ||
	    nla_put_u32(skb, SYNGUARD_A_BACKEND_AGE, v->age_ms)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* As the half-open dump: cb->args[0] the slot, args[1] the end. */
static int sg_nl_backends_dump(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct sg_ho_dump ctx = { .skb = skb, .cb = cb };
	u32 pos = cb->args[0];

	if (cb->args[1])
		return 0;
	if (!sg_gateway_walk(sg_net(sock_net(cb->skb->sk)), &pos, sg_be_put,
			     &ctx))
		cb->args[1] = 1;
	cb->args[0] = pos;
	return skb->len;
}

/* The family ------------------------------------------------------- */

static const struct genl_ops sg_genl_ops[] = {
	{
		.cmd = SYNGUARD_CMD_GET_CONFIG,
		.doit = sg_nl_get_config,
	},
	{
		.cmd = SYNGUARD_CMD_SET_CONFIG,
		.doit = sg_nl_set_config,
		.policy = sg_set_config_policy,
		.maxattr = ARRAY_SIZE(sg_set_config_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_GET_STATS,
		.doit = sg_nl_get_stats,
	},
	{
		.cmd = SYNGUARD_CMD_GET_SOURCES,
		.start = sg_nl_sources_start,
		.dumpit = sg_nl_sources_dump,
		.done = sg_nl_dump_free,
		.policy = sg_dump_limit_policy,
		.maxattr = ARRAY_SIZE(sg_dump_limit_policy) - 1,
		/* Client addresses. */
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		/* Other users' connections, with their sequence numbers. */
		.cmd = SYNGUARD_CMD_GET_HALFOPEN,
		.dumpit = sg_nl_halfopen_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_PORTS_ADD,
		.doit = sg_nl_ports_add,
		.policy = sg_ports_policy,
		.maxattr = ARRAY_SIZE(sg_ports_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_PORTS_DEL,
		.doit = sg_nl_ports_del,
		.policy = sg_ports_policy,
		.maxattr = ARRAY_SIZE(sg_ports_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_PORTS_GET,
		.doit = sg_nl_ports_get,
	},
	{
		.cmd = SYNGUARD_CMD_ALLOW_ADD,
		.doit = sg_nl_allow_add,
		.policy = sg_allow_policy,
		.maxattr = ARRAY_SIZE(sg_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_ALLOW_DEL,
		.doit = sg_nl_allow_del,
		.policy = sg_allow_policy,
		.maxattr = ARRAY_SIZE(sg_allow_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_ALLOW_GET,
		.doit = sg_nl_allow_get,
	},
	{
		/* Which services this host forwards to: for its admin. */
		.cmd = SYNGUARD_CMD_GET_BACKENDS,
		.dumpit = sg_nl_backends_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_GET_PORT_STATS,
		.start = sg_nl_port_stats_start,
		.dumpit = sg_nl_port_stats_dump,
		.done = sg_nl_dump_free,
		.policy = sg_dump_limit_policy,
		.maxattr = ARRAY_SIZE(sg_dump_limit_policy) - 1,
	},
	{
		.cmd = SYNGUARD_CMD_FORWARD_ADD,
		.doit = sg_nl_forward_add,
		.policy = sg_forward_policy,
		.maxattr = ARRAY_SIZE(sg_forward_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_FORWARD_DEL,
		.doit = sg_nl_forward_del,
		.policy = sg_forward_policy,
		.maxattr = ARRAY_SIZE(sg_forward_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SYNGUARD_CMD_FORWARD_GET,
		.doit = sg_nl_forward_get,
	},
};

/*
 * Events name clients (a source at its limit): for the admin, where the
 * kernel can tell (compat.h).
 */
static const struct genl_multicast_group sg_mcgrps[] = {
	[SG_MCGRP_EVENTS] = {
		.name = SYNGUARD_MCGRP_EVENTS,
		.flags = SG_MCGRP_ADMIN_FLAGS,
	},
};

/*
 * resv_start_op stays 0: every op is new, so genetlink validates the
 * header's reserved bits and refuses all attributes to ops without a
 * policy.
 */
struct genl_family sg_genl_family __ro_after_init = {
	.name = SYNGUARD_FAMILY_NAME,
	.version = SYNGUARD_FAMILY_VERSION,
	.module = THIS_MODULE,
	.ops = sg_genl_ops,
	.n_ops = ARRAY_SIZE(sg_genl_ops),
	.mcgrps = sg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sg_mcgrps),
	.netnsok = true,
	.parallel_ops = true,
};

int __init sg_netlink_init(void)
{
	return genl_register_family(&sg_genl_family);
}

void sg_netlink_exit(void)
{
	genl_unregister_family(&sg_genl_family);
}
