// SPDX-License-Identifier: GPL-2.0
/*
 * ports: the destination port ranges synguard protects (none: all).
 * allow: the source prefixes it never answers with cookies nor limits.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "synguardctl.h"

struct ranges {
	struct sg_range *r;
	int n, max;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ranges *rs = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[SYNGUARD_A_PORT_RANGE_MAX + 1] = { NULL };

		if (mnl_attr_get_type(attr) != SYNGUARD_A_PORT_RANGE)
			continue;
		sg_nl_parse_nested(attr, tb, SYNGUARD_A_PORT_RANGE_MAX);
		if (!tb[SYNGUARD_A_PORT_RANGE_FIRST] ||
		    !tb[SYNGUARD_A_PORT_RANGE_LAST])
			return MNL_CB_ERROR;
		if (rs->n == rs->max)
			continue;
		rs->r[rs->n].first = mnl_attr_get_u16(tb[SYNGUARD_A_PORT_RANGE_FIRST]);
		rs->r[rs->n++].last = mnl_attr_get_u16(tb[SYNGUARD_A_PORT_RANGE_LAST]);
	}
	return MNL_CB_OK;
}

int ports_fetch(struct sg_nl *nl, struct sg_range *r, int max)
{
	struct ranges rs = { r, 0, max };
	struct nlmsghdr *nlh;

	nlh = sg_nl_request(nl, SYNGUARD_CMD_PORTS_GET, 0);
	if (sg_nl_run(nl, nlh, ports_cb, &rs, "ports list"))
		return -1;
	return rs.n;
}

static int range_cmp(const void *a, const void *b)
{
	const struct sg_range *x = a, *y = b;

	return x->first != y->first ? x->first - y->first : x->last - y->last;
}

void ports_print(const struct sg_range *r, int n)
{
	struct sg_range *s = malloc((n ? n : 1) * sizeof(*s));
	char buf[16];
	int i;

	if (!s)
		return;
	memcpy(s, r, n * sizeof(*s));
	qsort(s, n, sizeof(*s), range_cmp);
	if (json)
		json_begin('[');
	else if (!n)
		printf("all");
	for (i = 0; i < n; i++) {
		if (s[i].first == s[i].last)
			snprintf(buf, sizeof(buf), "%u", s[i].first);
		else
			snprintf(buf, sizeof(buf), "%u-%u", s[i].first,
				 s[i].last);
		if (json)
			json_str(NULL, buf);
		else
			printf("%s%s", i ? " " : "", buf);
	}
	if (json)
		json_end(']');
	else
		putchar('\n');
	free(s);
}

/* "flush": delete every range there is, in one request. */
static int ports_change(struct sg_nl *nl, const char *what, uint8_t cmd,
			struct sg_range *r, int n)
{
	struct nlmsghdr *nlh;
	int i;

	nlh = sg_nl_request(nl, cmd, 0);
	for (i = 0; i < n; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh,
							  SYNGUARD_A_PORT_RANGE);

		mnl_attr_put_u16(nlh, SYNGUARD_A_PORT_RANGE_FIRST, r[i].first);
		mnl_attr_put_u16(nlh, SYNGUARD_A_PORT_RANGE_LAST, r[i].last);
		mnl_attr_nest_end(nlh, nest);
	}
	return sg_nl_run(nl, nlh, NULL, NULL, what) ? 1 : 0;
}

int ports_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sg_range r[64];
	const char *cmd = argc > 1 ? argv[1] : "list";
	bool add = !strcmp(cmd, "add");
	int i, n;

	if (!strcmp(cmd, "list") || !strcmp(cmd, "show")) {
		if (argc > 2)
			return sg_usage("ports");
		if (sg_nl_ready(nl))
			return 1;
		n = ports_fetch(nl, r, 64);
		if (n < 0)
			return 1;
		ports_print(r, n);
		if (json)
			json_newline();
		return 0;
	}
	if (!strcmp(cmd, "flush")) {
		if (argc > 2)
			return sg_usage("ports");
		if (sg_nl_ready(nl))
			return 1;
		n = ports_fetch(nl, r, 64);
		if (n <= 0)
			return n < 0;
		return ports_change(nl, "ports flush", SYNGUARD_CMD_PORTS_DEL,
				    r, n);
	}
	if (!add && strcmp(cmd, "del")) {
		sg_err("ports: unknown command '%s'", cmd);
		return sg_usage("ports");
	}
	if (argc < 3) {
		sg_err("ports %s: no port range given", cmd);
		return sg_usage("ports");
	}
	if (argc - 2 > 64) {
		sg_err("ports %s: too many ranges", cmd);
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (sg_parse_range(argv[i], &r[i - 2].first, &r[i - 2].last))
			return 1;
	if (sg_nl_ready(nl))
		return 1;
	return ports_change(nl, add ? "ports add" : "ports del",
			    add ? SYNGUARD_CMD_PORTS_ADD : SYNGUARD_CMD_PORTS_DEL,
			    r, argc - 2);
}

struct prefixes {
	struct sg_prefix *p;
	int n, max;
};

static int allow_cb(const struct nlmsghdr *nlh, void *data)
{
	struct prefixes *ps = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[SYNGUARD_A_PREFIX_MAX + 1] = { NULL };
		struct sg_prefix *p;
		unsigned int alen;

		if (mnl_attr_get_type(attr) != SYNGUARD_A_ALLOW)
			continue;
		sg_nl_parse_nested(attr, tb, SYNGUARD_A_PREFIX_MAX);
		if (!tb[SYNGUARD_A_PREFIX_FAMILY] || !tb[SYNGUARD_A_PREFIX_ADDR] ||
		    !tb[SYNGUARD_A_PREFIX_LEN])
			return MNL_CB_ERROR;
		if (ps->n == ps->max)
			continue;
		p = &ps->p[ps->n++];
		memset(p, 0, sizeof(*p));
		p->family = mnl_attr_get_u16(tb[SYNGUARD_A_PREFIX_FAMILY]);
		alen = mnl_attr_get_payload_len(tb[SYNGUARD_A_PREFIX_ADDR]);
		if (alen > 16)
			return MNL_CB_ERROR;
		memcpy(p->addr, mnl_attr_get_payload(tb[SYNGUARD_A_PREFIX_ADDR]),
		       alen);
		p->len = mnl_attr_get_u8(tb[SYNGUARD_A_PREFIX_LEN]);
	}
	return MNL_CB_OK;
}

int allow_fetch(struct sg_nl *nl, struct sg_prefix *p, int max)
{
	struct prefixes ps = { p, 0, max };
	struct nlmsghdr *nlh;

	nlh = sg_nl_request(nl, SYNGUARD_CMD_ALLOW_GET, 0);
	if (sg_nl_run(nl, nlh, allow_cb, &ps, "allow list"))
		return -1;
	return ps.n;
}

void allow_print(const struct sg_prefix *p, int n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	int i;

	if (json)
		json_begin('[');
	else if (!n)
		printf("none");
	for (i = 0; i < n; i++) {
		sg_format_addr(buf, sizeof(buf), p[i].family, p[i].addr,
			       p[i].len);
		if (json)
			json_str(NULL, buf);
		else
			printf("%s%s", i ? " " : "", buf);
	}
	if (json)
		json_end(']');
	else
		putchar('\n');
}

static int allow_change(struct sg_nl *nl, const char *what, uint8_t cmd,
			const struct sg_prefix *p, int n)
{
	struct nlmsghdr *nlh;
	int i;

	nlh = sg_nl_request(nl, cmd, 0);
	for (i = 0; i < n; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, SYNGUARD_A_ALLOW);

		mnl_attr_put_u16(nlh, SYNGUARD_A_PREFIX_FAMILY, p[i].family);
		mnl_attr_put(nlh, SYNGUARD_A_PREFIX_ADDR,
			     p[i].family == AF_INET ? 4 : 16, p[i].addr);
		mnl_attr_put_u8(nlh, SYNGUARD_A_PREFIX_LEN, p[i].len);
		mnl_attr_nest_end(nlh, nest);
	}
	return sg_nl_run(nl, nlh, NULL, NULL, what) ? 1 : 0;
}

#define MAX_PREFIXES 256

int allow_main(struct sg_nl *nl, int argc, char **argv)
{
	static struct sg_prefix p[1024];
	const char *cmd = argc > 1 ? argv[1] : "list";
	bool add = !strcmp(cmd, "add");
	int i, n;

	if (!strcmp(cmd, "list") || !strcmp(cmd, "show")) {
		if (argc > 2)
			return sg_usage("allow");
		if (sg_nl_ready(nl))
			return 1;
		n = allow_fetch(nl, p, 1024);
		if (n < 0)
			return 1;
		allow_print(p, n);
		if (json)
			json_newline();
		return 0;
	}
	if (!strcmp(cmd, "flush")) {
		if (argc > 2)
			return sg_usage("allow");
		if (sg_nl_ready(nl))
			return 1;
		n = allow_fetch(nl, p, 1024);
		if (n <= 0)
			return n < 0;
		return allow_change(nl, "allow flush", SYNGUARD_CMD_ALLOW_DEL,
				    p, n);
	}
	if (!add && strcmp(cmd, "del")) {
		sg_err("allow: unknown command '%s'", cmd);
		return sg_usage("allow");
	}
	if (argc < 3) {
		sg_err("allow %s: no prefix given", cmd);
		return sg_usage("allow");
	}
	if (argc - 2 > MAX_PREFIXES) {
		sg_err("allow %s: too many prefixes (at most %d at once)", cmd,
		       MAX_PREFIXES);
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (sg_parse_prefix(argv[i], &p[i - 2].family, p[i - 2].addr,
				    &p[i - 2].len))
			return 1;
	if (sg_nl_ready(nl))
		return 1;
	return allow_change(nl, add ? "allow add" : "allow del",
			    add ? SYNGUARD_CMD_ALLOW_ADD : SYNGUARD_CMD_ALLOW_DEL,
			    p, argc - 2);
}
