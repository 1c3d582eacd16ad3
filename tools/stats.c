// SPDX-License-Identifier: GPL-2.0
/*
 * stats: the namespace's counters, named as in /sys/kernel/synguard/stats/.
 */

#include <stdio.h>
#include <string.h>

#include "synguardctl.h"

/* Indexed by attribute; the order of the uAPI enum. */
const char *const sg_stat_names[SYNGUARD_A_STATS_MAX + 1] = {
	[SYNGUARD_A_STATS_SYN_RECEIVED] = "syn_received",
	[SYNGUARD_A_STATS_SYN_PASSED] = "syn_passed",
	[SYNGUARD_A_STATS_SYN_LEFT_TO_KERNEL] = "syn_left_to_kernel",
	[SYNGUARD_A_STATS_COOKIES_SENT] = "cookies_sent",
	[SYNGUARD_A_STATS_COOKIES_VALIDATED] = "cookies_validated",
	[SYNGUARD_A_STATS_COOKIES_REJECTED] = "cookies_rejected",
	[SYNGUARD_A_STATS_ACKS_UNMATCHED] = "acks_unmatched",
	[SYNGUARD_A_STATS_HALFOPEN_ADDED] = "halfopen_added",
	[SYNGUARD_A_STATS_HALFOPEN_COMPLETED] = "halfopen_completed",
	[SYNGUARD_A_STATS_HANDSHAKE_MS] = "handshake_ms",
	[SYNGUARD_A_STATS_HALFOPEN_RESET] = "halfopen_reset",
	[SYNGUARD_A_STATS_HALFOPEN_EXPIRED] = "halfopen_expired",
	[SYNGUARD_A_STATS_TABLE_FULL] = "table_full",
	[SYNGUARD_A_STATS_SOURCE_LIMIT_HITS] = "source_limit_hits",
	[SYNGUARD_A_STATS_LISTENER_FULL] = "listener_full",
	[SYNGUARD_A_STATS_COOKIE_MODE_ENTRIES] = "cookie_mode_entries",
	[SYNGUARD_A_STATS_COOKIE_MODE_EXITS] = "cookie_mode_exits",
	[SYNGUARD_A_STATS_SYNCOOKIES_DISABLED] = "syncookies_disabled",
	[SYNGUARD_A_STATS_BAD_CHECKSUM] = "bad_checksum",
	[SYNGUARD_A_STATS_SYNACK_UNROUTABLE] = "synack_unroutable",
	[SYNGUARD_A_STATS_SYNACK_NOMEM] = "synack_nomem",
	[SYNGUARD_A_STATS_GATEWAY_COOKIES] = "gateway_cookies",
	[SYNGUARD_A_STATS_GATEWAY_OPENED] = "gateway_opened",
	[SYNGUARD_A_STATS_GATEWAY_REFUSED] = "gateway_refused",
	[SYNGUARD_A_STATS_GATEWAY_LEARNED] = "gateway_learned",
	[SYNGUARD_A_STATS_HALFOPEN_CURRENT] = "halfopen_current",
	[SYNGUARD_A_STATS_SYN_RELATED] = "syn_related",
	[SYNGUARD_A_STATS_SYN_ASSIGNED] = "syn_assigned",
	[SYNGUARD_A_STATS_GATEWAY_CT_CUSTOM] = "gateway_ct_custom",
	[SYNGUARD_A_STATS_GATEWAY_UNLISTED] = "gateway_unlisted",
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *st[SYNGUARD_A_STATS_MAX + 1] = { NULL };
	const struct nlattr *state[SYNGUARD_A_STATE_MAX + 1] = { NULL };
	struct sg_stats *s = data;
	int i;

	sg_nl_parse(nlh, tb, SYNGUARD_A_MAX);
	if (!tb[SYNGUARD_A_STATS])
		return MNL_CB_ERROR;
	sg_nl_parse_nested(tb[SYNGUARD_A_STATS], st, SYNGUARD_A_STATS_MAX);
	for (i = 1; i <= SYNGUARD_A_STATS_MAX; i++) {
		if (!st[i] || !sg_stat_names[i] ||
		    mnl_attr_get_payload_len(st[i]) != sizeof(uint64_t))
			continue;
		s->have[i] = true;
		s->v[i] = mnl_attr_get_u64(st[i]);
	}
	if (tb[SYNGUARD_A_STATE]) {
		sg_nl_parse_nested(tb[SYNGUARD_A_STATE], state,
				   SYNGUARD_A_STATE_MAX);
		if (state[SYNGUARD_A_STATE_UNDER_ATTACK])
			s->under_attack = mnl_attr_get_u8(state[SYNGUARD_A_STATE_UNDER_ATTACK]);
		if (state[SYNGUARD_A_STATE_SYN_RATE])
			s->syn_rate = mnl_attr_get_u32(state[SYNGUARD_A_STATE_SYN_RATE]);
	}
	return MNL_CB_OK;
}

int sg_stats_fetch(struct sg_nl *nl, struct sg_stats *s, const char *what)
{
	memset(s, 0, sizeof(*s));
	return sg_nl_run(nl, sg_nl_request(nl, SYNGUARD_CMD_GET_STATS, 0),
			 stats_cb, s, what);
}

static void stats_print(const struct sg_stats *s, int a)
{
	if (!s->have[a])
		return;
	if (json)
		json_u64(sg_stat_names[a], s->v[a]);
	else
		printf("%-20s %llu\n", sg_stat_names[a],
		       (unsigned long long)s->v[a]);
}

int stats_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sg_stats s;
	int i;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		if (!strcmp(argv[2], "prometheus"))
			return prometheus_main(nl, argc - 2, argv + 2);
		if (strcmp(argv[2], "text") && strcmp(argv[2], "json")) {
			sg_err("stats: unknown format '%s' (text, json or prometheus)",
			       argv[2]);
			return 1;
		}
		json = !strcmp(argv[2], "json");
		argc -= 2, argv += 2;
	}
	if (argc > 1) {
		sg_err("stats: unexpected '%s'", argv[1]);
		return sg_usage("stats");
	}
	if (sg_nl_ready(nl))
		return 1;
	if (sg_stats_fetch(nl, &s, "stats"))
		return 1;

	if (json)
		json_begin('{');
	/* The counters, then the gauge, whatever its attribute number. */
	for (i = 1; i <= SYNGUARD_A_STATS_MAX; i++)
		if (i != SYNGUARD_A_STATS_HALFOPEN_CURRENT)
			stats_print(&s, i);
	stats_print(&s, SYNGUARD_A_STATS_HALFOPEN_CURRENT);
	if (json) {
		json_bool("under_attack", s.under_attack);
		json_u64("syn_rate", s.syn_rate);
		json_end('}');
		json_newline();
	} else {
		printf("%-20s %s\n", "under_attack", s.under_attack ? "yes" : "no");
		printf("%-20s %u\n", "syn_rate", s.syn_rate);
	}
	return 0;
}
