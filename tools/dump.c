// SPDX-License-Identifier: GPL-2.0
/*
 * sources: the source prefixes holding the most half-open connections.
 * halfopen: every tracked half-open connection.
 * Both are netlink dumps, printed as the parts arrive.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "synguardctl.h"

static int sources_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *p[SYNGUARD_A_PREFIX_MAX + 1] = { NULL };
	unsigned int *count = data;
	char addr[INET6_ADDRSTRLEN + 8];
	uint16_t family;

	sg_nl_parse(nlh, tb, SYNGUARD_A_MAX);
	if (!tb[SYNGUARD_A_SOURCE])
		return MNL_CB_ERROR;
	sg_nl_parse_nested(tb[SYNGUARD_A_SOURCE], p, SYNGUARD_A_PREFIX_MAX);
	if (!p[SYNGUARD_A_PREFIX_FAMILY] || !p[SYNGUARD_A_PREFIX_ADDR] ||
	    !p[SYNGUARD_A_PREFIX_LEN] || !p[SYNGUARD_A_PREFIX_COUNT])
		return MNL_CB_ERROR;
	family = mnl_attr_get_u16(p[SYNGUARD_A_PREFIX_FAMILY]);
	if (mnl_attr_get_payload_len(p[SYNGUARD_A_PREFIX_ADDR]) !=
	    (family == AF_INET ? 4U : 16U))
		return MNL_CB_ERROR;
	sg_format_addr(addr, sizeof(addr), family,
		       mnl_attr_get_payload(p[SYNGUARD_A_PREFIX_ADDR]),
		       mnl_attr_get_u8(p[SYNGUARD_A_PREFIX_LEN]));
	if (json) {
		json_key(NULL);
		json_begin('{');
		json_str("prefix", addr);
		json_u64("count", mnl_attr_get_u32(p[SYNGUARD_A_PREFIX_COUNT]));
		json_end('}');
	} else {
		printf("%-45s %u\n", addr,
		       mnl_attr_get_u32(p[SYNGUARD_A_PREFIX_COUNT]));
	}
	(*count)++;
	return MNL_CB_OK;
}

int sources_main(struct sg_nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	unsigned int count = 0;
	uint32_t top = 0;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "top")) {
		if (sg_parse_u32("sources top", argv[2], &top))
			return 1;
	} else if (argc != 1) {
		sg_err("sources: unexpected '%s'", argv[1]);
		return sg_usage("sources");
	}
	if (sg_nl_ready(nl))
		return 1;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_GET_SOURCES, NLM_F_DUMP);
	if (argc == 3)
		mnl_attr_put_u32(nlh, SYNGUARD_A_LIMIT, top);
	if (json)
		json_begin('[');
	ret = sg_nl_run(nl, nlh, sources_cb, &count, "sources");
	if (json) {
		json_end(']');
		json_newline();
	}
	return ret ? 1 : 0;
}

static int halfopen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *h[SYNGUARD_A_HALFOPEN_MAX + 1] = { NULL };
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
	unsigned int *count = data, alen;
	uint16_t family, sport, dport;
	int i;

	sg_nl_parse(nlh, tb, SYNGUARD_A_MAX);
	if (!tb[SYNGUARD_A_HALFOPEN])
		return MNL_CB_ERROR;
	sg_nl_parse_nested(tb[SYNGUARD_A_HALFOPEN], h, SYNGUARD_A_HALFOPEN_MAX);
	for (i = 1; i <= SYNGUARD_A_HALFOPEN_MAX; i++)
		if (!h[i])
			return MNL_CB_ERROR;
	family = mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_FAMILY]);
	alen = family == AF_INET ? 4 : 16;
	if (mnl_attr_get_payload_len(h[SYNGUARD_A_HALFOPEN_SADDR]) != alen ||
	    mnl_attr_get_payload_len(h[SYNGUARD_A_HALFOPEN_DADDR]) != alen)
		return MNL_CB_ERROR;
	sg_format_addr(saddr, sizeof(saddr), family,
		       mnl_attr_get_payload(h[SYNGUARD_A_HALFOPEN_SADDR]), -1);
	sg_format_addr(daddr, sizeof(daddr), family,
		       mnl_attr_get_payload(h[SYNGUARD_A_HALFOPEN_DADDR]), -1);
	sport = ntohs(mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_SPORT]));
	dport = ntohs(mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_DPORT]));
	if (json) {
		json_key(NULL);
		json_begin('{');
		json_str("saddr", saddr);
		json_u64("sport", sport);
		json_str("daddr", daddr);
		json_u64("dport", dport);
		json_u64("isn", mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_ISN]));
		json_u64("age_ms", mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_AGE]));
		json_end('}');
	} else {
		printf(family == AF_INET ? "%s:%u -> %s:%u" : "[%s]:%u -> [%s]:%u",
		       saddr, sport, daddr, dport);
		printf(" isn %u age %ums\n",
		       mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_ISN]),
		       mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_AGE]));
	}
	(*count)++;
	return MNL_CB_OK;
}

int halfopen_main(struct sg_nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	unsigned int count = 0;
	int ret;

	if (argc > 1) {
		sg_err("halfopen: unexpected '%s'", argv[1]);
		return sg_usage("halfopen");
	}
	if (sg_nl_ready(nl))
		return 1;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_GET_HALFOPEN, NLM_F_DUMP);
	if (json)
		json_begin('[');
	ret = sg_nl_run(nl, nlh, halfopen_cb, &count, "halfopen");
	if (json) {
		json_end(']');
		json_newline();
	}
	return ret ? 1 : 0;
}
