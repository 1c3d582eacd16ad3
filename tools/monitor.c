// SPDX-License-Identifier: GPL-2.0
/*
 * monitor: print synguard's events as they happen, one line each (one
 * JSON object a line with -j), until SIGINT or SIGTERM. The kernel sends
 * them to the "events" multicast group of each network namespace;
 * joining it needs CAP_NET_ADMIN there.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "synguardctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static const char *const event_names[] = {
	[SYNGUARD_EVENT_COOKIE_MODE_ENTERED] = "cookie_mode_entered",
	[SYNGUARD_EVENT_COOKIE_MODE_LEFT] = "cookie_mode_left",
	[SYNGUARD_EVENT_TABLE_FULL] = "table_full",
	[SYNGUARD_EVENT_SOURCE_LIMIT] = "source_limit",
	[SYNGUARD_EVENT_LISTENER_FULL_STARTED] = "listener_full_started",
	[SYNGUARD_EVENT_LISTENER_FULL_ENDED] = "listener_full_ended",
};

/* A full listener's family, as ip -j names it. */
static const char *monitor_family(uint16_t family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" :
	       "unknown";
}

static const char *const reason_names[] = {
	[SYNGUARD_REASON_NONE] = "none",
	[SYNGUARD_REASON_HALFOPENS] = "halfopens",
	[SYNGUARD_REASON_TABLE_FULL] = "table_full",
};

/* The id of the "events" group, from the family's description. */
static int monitor_group_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	const struct nlattr *grp;
	uint32_t *id = data;

	sg_nl_parse(nlh, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };

		sg_nl_parse_nested(grp, g, CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    SYNGUARD_MCGRP_EVENTS))
			*id = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static int monitor_join(struct sg_nl *nl)
{
	uint16_t family = nl->family;
	struct nlmsghdr *nlh;
	uint32_t group = 0;
	int ret;

	nl->family = GENL_ID_CTRL;
	nlh = sg_nl_request(nl, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SYNGUARD_FAMILY_NAME);
	nl->family = family;
	ret = sg_nl_run(nl, nlh, monitor_group_cb, &group, "monitor");
	if (ret)
		return -1;
	if (!group) {
		sg_err("monitor: the synguard module has no \"%s\" group: too old?",
		       SYNGUARD_MCGRP_EVENTS);
		return -1;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		sg_err("monitor: joining the events group: %s%s",
		       strerror(errno),
		       errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	return 0;
}

static void monitor_ports_text(const struct sg_port_stat *p, int n,
			       bool episode)
{
	int i;

	if (!n)
		return;
	printf("; ports");
	for (i = 0; i < n; i++)
		if (episode)
			printf(" %u (%llu SYNs)", p[i].port,
			       (unsigned long long)p[i].syns);
		else
			printf(" %u (%u/s)", p[i].port, p[i].syn_rate);
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *e[SYNGUARD_A_EVENT_MAX + 1] = { NULL };
	const struct nlattr *s[SYNGUARD_A_PREFIX_MAX + 1] = { NULL };
	struct sg_port_stat ports[SYNGUARD_PORT_STATS];
	char src[INET6_ADDRSTRLEN + 8] = "";
	uint32_t type, reason = 0, count = 0, duration = 0;
	uint16_t port = 0, family = 0;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const char *name;
	int i, n = 0;

	(void)data;
	if (genl->cmd != SYNGUARD_CMD_EVENT)
		return MNL_CB_OK;
	sg_nl_parse(nlh, top, SYNGUARD_A_MAX);
	if (!top[SYNGUARD_A_EVENT] ||
	    sg_nl_parse_nested(top[SYNGUARD_A_EVENT], e,
			       SYNGUARD_A_EVENT_MAX) < MNL_CB_OK ||
	    !e[SYNGUARD_A_EVENT_TYPE] || !e[SYNGUARD_A_EVENT_SYN_RATE] ||
	    !e[SYNGUARD_A_EVENT_HALFOPEN])
		return MNL_CB_ERROR;
	type = mnl_attr_get_u32(e[SYNGUARD_A_EVENT_TYPE]);
	/* A newer kernel's event: skip it. */
	if (type > SYNGUARD_EVENT_MAX || !event_names[type])
		return MNL_CB_OK;
	name = event_names[type];
	if (e[SYNGUARD_A_EVENT_REASON])
		reason = mnl_attr_get_u32(e[SYNGUARD_A_EVENT_REASON]);
	if (e[SYNGUARD_A_EVENT_COUNT])
		count = mnl_attr_get_u32(e[SYNGUARD_A_EVENT_COUNT]);
	if (e[SYNGUARD_A_EVENT_DURATION])
		duration = mnl_attr_get_u32(e[SYNGUARD_A_EVENT_DURATION]);
	if (e[SYNGUARD_A_EVENT_PORT])
		port = mnl_attr_get_u16(e[SYNGUARD_A_EVENT_PORT]);
	if (e[SYNGUARD_A_EVENT_FAMILY])
		family = mnl_attr_get_u16(e[SYNGUARD_A_EVENT_FAMILY]);

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == SYNGUARD_A_PORT &&
		    n < (int)ARRAY_SIZE(ports) &&
		    !port_stat_parse(attr, &ports[n]))
			n++;
	if (top[SYNGUARD_A_SOURCE] &&
	    sg_nl_parse_nested(top[SYNGUARD_A_SOURCE], s,
			       SYNGUARD_A_PREFIX_MAX) >= MNL_CB_OK &&
	    s[SYNGUARD_A_PREFIX_FAMILY] && s[SYNGUARD_A_PREFIX_ADDR] &&
	    s[SYNGUARD_A_PREFIX_LEN]) {
		uint16_t family = mnl_attr_get_u16(s[SYNGUARD_A_PREFIX_FAMILY]);

		if (mnl_attr_get_payload_len(s[SYNGUARD_A_PREFIX_ADDR]) ==
		    (family == AF_INET ? 4U : 16U))
			sg_format_addr(src, sizeof(src), family,
				       mnl_attr_get_payload(s[SYNGUARD_A_PREFIX_ADDR]),
				       mnl_attr_get_u8(s[SYNGUARD_A_PREFIX_LEN]));
	}

	if (json) {
		json_begin('{');
		json_str("event", name);
		if (e[SYNGUARD_A_EVENT_REASON])
			json_str("reason", reason <= SYNGUARD_REASON_MAX ?
				 reason_names[reason] : "unknown");
		json_u64("syn_rate",
			 mnl_attr_get_u32(e[SYNGUARD_A_EVENT_SYN_RATE]));
		json_u64("halfopen",
			 mnl_attr_get_u32(e[SYNGUARD_A_EVENT_HALFOPEN]));
		if (e[SYNGUARD_A_EVENT_DURATION])
			json_u64("duration", duration);
		if (e[SYNGUARD_A_EVENT_COUNT])
			json_u64("count", count);
		if (e[SYNGUARD_A_EVENT_PORT])
			json_u64("port", port);
		if (e[SYNGUARD_A_EVENT_FAMILY])
			json_str("family", monitor_family(family));
		if (*src)
			json_str("source", src);
		if (type == SYNGUARD_EVENT_COOKIE_MODE_ENTERED ||
		    type == SYNGUARD_EVENT_COOKIE_MODE_LEFT) {
			json_key("ports");
			json_begin('[');
			for (i = 0; i < n; i++)
				port_stat_json(&ports[i]);
			json_end(']');
		}
		json_end('}');
		json_newline();
		fflush(stdout);
		return MNL_CB_OK;
	}

	switch (type) {
	case SYNGUARD_EVENT_COOKIE_MODE_ENTERED:
		printf("cookie mode entered: reason %s, %u SYN/s, %u half-open",
		       reason <= SYNGUARD_REASON_MAX ? reason_names[reason] :
		       "unknown",
		       mnl_attr_get_u32(e[SYNGUARD_A_EVENT_SYN_RATE]),
		       mnl_attr_get_u32(e[SYNGUARD_A_EVENT_HALFOPEN]));
		monitor_ports_text(ports, n, false);
		break;
	case SYNGUARD_EVENT_COOKIE_MODE_LEFT:
		printf("cookie mode left after %u s: %u SYN/s, %u half-open",
		       duration, mnl_attr_get_u32(e[SYNGUARD_A_EVENT_SYN_RATE]),
		       mnl_attr_get_u32(e[SYNGUARD_A_EVENT_HALFOPEN]));
		monitor_ports_text(ports, n, true);
		break;
	case SYNGUARD_EVENT_TABLE_FULL:
		printf("half-open table full: %u SYNs found no slot, %u half-open",
		       count, mnl_attr_get_u32(e[SYNGUARD_A_EVENT_HALFOPEN]));
		break;
	case SYNGUARD_EVENT_SOURCE_LIMIT:
		printf("source limit: %s reached it, %u SYNs over limits",
		       *src ? src : "?", count);
		break;
	case SYNGUARD_EVENT_LISTENER_FULL_STARTED:
		printf("listener full on port %u (%s): cookies for its SYNs, %u SYN/s",
		       port, monitor_family(family),
		       mnl_attr_get_u32(e[SYNGUARD_A_EVENT_SYN_RATE]));
		break;
	case SYNGUARD_EVENT_LISTENER_FULL_ENDED:
		printf("listener full on port %u (%s) ended after %u s of cookies",
		       port, monitor_family(family), duration);
		break;
	}
	putchar('\n');
	fflush(stdout);
	return MNL_CB_OK;
}

int monitor_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sigaction sa;
	size_t size = MNL_SOCKET_BUFFER_SIZE;
	char *buf;
	int ret = 0;

	if (argc > 1) {
		sg_err("monitor: unexpected '%s'", argv[1]);
		return sg_usage("monitor");
	}
	if (sg_nl_ready(nl) || monitor_join(nl))
		return 1;
	buf = malloc(size);
	if (!buf)
		return 1;

	/* No SA_RESTART: a signal ends the wait in recv(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = monitor_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (!monitor_stop) {
		int len = mnl_socket_recvfrom(nl->sock, buf, size);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			/* Events were lost: say so, go on. */
			if (errno == ENOBUFS) {
				sg_err("monitor: events lost (receive buffer full)");
				continue;
			}
			sg_err("monitor: %s", strerror(errno));
			ret = 1;
			break;
		}
		if (mnl_cb_run(buf, len, 0, 0, monitor_cb, NULL) < MNL_CB_STOP) {
			sg_err("monitor: malformed event");
			ret = 1;
			break;
		}
	}
	free(buf);
	return ret;
}
