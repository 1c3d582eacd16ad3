// SPDX-License-Identifier: GPL-2.0
/*
 * ports top: the destination ports with the most SYNs, busiest first,
 * from the kernel's per-port view (SYNGUARD_CMD_GET_PORT_STATS), and the
 * parser the events share.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "synguardctl.h"

int port_stat_parse(const struct nlattr *nest, struct sg_port_stat *p)
{
	const struct nlattr *t[SYNGUARD_A_PORT_MAX + 1] = { NULL };
	int i;

	if (sg_nl_parse_nested(nest, t, SYNGUARD_A_PORT_MAX) < MNL_CB_OK)
		return -1;
	for (i = SYNGUARD_A_PORT_NUM; i <= SYNGUARD_A_PORT_MAX; i++)
		if (!t[i])
			return -1;
	memset(p, 0, sizeof(*p));
	p->port = mnl_attr_get_u16(t[SYNGUARD_A_PORT_NUM]);
	p->syn_rate = mnl_attr_get_u32(t[SYNGUARD_A_PORT_SYN_RATE]);
	p->sent_rate = mnl_attr_get_u32(t[SYNGUARD_A_PORT_SENT_RATE]);
	p->validated_rate = mnl_attr_get_u32(t[SYNGUARD_A_PORT_VALIDATED_RATE]);
	p->syns = mnl_attr_get_u64(t[SYNGUARD_A_PORT_SYNS]);
	p->cookies_sent = mnl_attr_get_u64(t[SYNGUARD_A_PORT_COOKIES_SENT]);
	p->cookies_validated =
		mnl_attr_get_u64(t[SYNGUARD_A_PORT_COOKIES_VALIDATED]);
	return 0;
}

struct port_stats_ctx {
	struct sg_port_stat *p;
	int n, max;
};

static int port_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[SYNGUARD_A_MAX + 1] = { NULL };
	struct port_stats_ctx *c = data;

	sg_nl_parse(nlh, top, SYNGUARD_A_MAX);
	if (!top[SYNGUARD_A_PORT])
		return MNL_CB_ERROR;
	if (c->n == c->max)
		return MNL_CB_OK;
	if (port_stat_parse(top[SYNGUARD_A_PORT], &c->p[c->n]))
		return MNL_CB_ERROR;
	c->n++;
	return MNL_CB_OK;
}

int port_stats_fetch(struct sg_nl *nl, struct sg_port_stat *p, int max,
		     const char *what)
{
	struct port_stats_ctx c = { .p = p, .max = max };
	struct nlmsghdr *nlh;
	int ret;

	if (max <= 0)
		return 0;
	if (sg_nl_ready(nl))
		return -ENOTCONN;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_GET_PORT_STATS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, SYNGUARD_A_LIMIT, max);
	ret = sg_nl_run(nl, nlh, port_stats_cb, &c, what);
	return ret ? ret : c.n;
}

void port_stat_json(const struct sg_port_stat *p)
{
	json_key(NULL);
	json_begin('{');
	json_u64("port", p->port);
	json_u64("syn_rate", p->syn_rate);
	json_u64("cookies_sent_rate", p->sent_rate);
	json_u64("cookies_validated_rate", p->validated_rate);
	json_u64("syns", p->syns);
	json_u64("cookies_sent", p->cookies_sent);
	json_u64("cookies_validated", p->cookies_validated);
	json_end('}');
}

/* ports top [N] */
int ports_top_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sg_port_stat p[SYNGUARD_PORT_STATS];
	uint32_t top = SYNGUARD_PORT_STATS;
	int i, n;

	if (argc == 3) {
		if (sg_parse_u32("ports top", argv[2], &top))
			return 1;
		if (!top) {
			sg_err("ports top: N must be at least 1");
			return 1;
		}
	} else if (argc != 2) {
		sg_err("ports top: unexpected '%s'", argv[3]);
		return sg_usage("ports");
	}
	if (top > SYNGUARD_PORT_STATS)
		top = SYNGUARD_PORT_STATS;
	n = port_stats_fetch(nl, p, top, "ports top");
	if (n < 0)
		return 1;

	if (json) {
		json_begin('[');
		for (i = 0; i < n; i++)
			port_stat_json(&p[i]);
		json_end(']');
		json_newline();
		return 0;
	}
	printf("%-5s %10s %10s %10s %14s %14s %14s\n", "PORT", "SYN/s",
	       "SENT/s", "VALID/s", "SYNS", "COOKIES_SENT", "VALIDATED");
	for (i = 0; i < n; i++)
		printf("%-5u %10u %10u %10u %14llu %14llu %14llu\n",
		       p[i].port, p[i].syn_rate, p[i].sent_rate,
		       p[i].validated_rate, (unsigned long long)p[i].syns,
		       (unsigned long long)p[i].cookies_sent,
		       (unsigned long long)p[i].cookies_validated);
	return 0;
}
