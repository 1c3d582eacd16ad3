// SPDX-License-Identifier: GPL-2.0
/*
 * ports: the destination port ranges synguard protects (none: all).
 * allow: the source prefixes it never answers with cookies nor limits.
 * forward: the forwarded destinations without DNAT gateway mode protects,
 * and the inbound interfaces whose forwarded SYNs it protects.
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

int ports_fetch(struct sg_nl *nl, void *r, int max)
{
	struct ranges rs = { r, 0, max };
	struct nlmsghdr *nlh;

	nlh = sg_nl_request(nl, SYNGUARD_CMD_PORTS_GET, 0);
	if (sg_nl_run(nl, nlh, ports_cb, &rs, "ports list"))
		return -1;
	return rs.n;
}

int sg_range_cmp(const void *a, const void *b)
{
	const struct sg_range *x = a, *y = b;

	return x->first != y->first ? x->first - y->first : x->last - y->last;
}

void ports_print(const void *items, int n)
{
	const struct sg_range *r = items;
	struct sg_range *s = malloc((n ? n : 1) * sizeof(*s));
	char buf[16];
	int i;

	if (!s)
		return;
	memcpy(s, r, n * sizeof(*s));
	qsort(s, n, sizeof(*s), sg_range_cmp);
	if (json)
		json_begin('[');
	else if (!n)
		printf("all");
	for (i = 0; i < n; i++) {
		sg_format_range(&s[i], buf, sizeof(buf));
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

void sg_format_range(const void *item, char *buf, size_t size)
{
	const struct sg_range *r = item;

	if (r->first == r->last)
		snprintf(buf, size, "%u", r->first);
	else
		snprintf(buf, size, "%u-%u", r->first, r->last);
}

void sg_format_prefix(const void *item, char *buf, size_t size)
{
	const struct sg_prefix *p = item;

	sg_format_addr(buf, size, p->family, p->addr, p->len);
}

int sg_prefix_cmp(const void *a, const void *b)
{
	const struct sg_prefix *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family - y->family;
	d = memcmp(x->addr, y->addr, sizeof(x->addr));
	return d ? d : x->len - y->len;
}

void sg_format_forward(const void *item, char *buf, size_t size)
{
	const struct sg_forward *f = item;

	if (*f->dev)
		snprintf(buf, size, "dev %s", f->dev);
	else
		sg_format_prefix(&f->p, buf, size);
}

int sg_forward_cmp(const void *a, const void *b)
{
	const struct sg_forward *x = a, *y = b;

	if (!*x->dev != !*y->dev)
		return *x->dev ? 1 : -1;
	return *x->dev ? strcmp(x->dev, y->dev) : sg_prefix_cmp(&x->p, &y->p);
}

/* One prefix of a reply, from its nest; -1 if it is malformed. */
static int prefix_get(const struct nlattr *nest, struct sg_prefix *p)
{
	const struct nlattr *tb[SYNGUARD_A_PREFIX_MAX + 1] = { NULL };
	unsigned int alen;

	sg_nl_parse_nested(nest, tb, SYNGUARD_A_PREFIX_MAX);
	if (!tb[SYNGUARD_A_PREFIX_FAMILY] || !tb[SYNGUARD_A_PREFIX_ADDR] ||
	    !tb[SYNGUARD_A_PREFIX_LEN])
		return -1;
	memset(p, 0, sizeof(*p));
	p->family = mnl_attr_get_u16(tb[SYNGUARD_A_PREFIX_FAMILY]);
	alen = mnl_attr_get_payload_len(tb[SYNGUARD_A_PREFIX_ADDR]);
	if (alen > 16)
		return -1;
	memcpy(p->addr, mnl_attr_get_payload(tb[SYNGUARD_A_PREFIX_ADDR]), alen);
	p->len = mnl_attr_get_u8(tb[SYNGUARD_A_PREFIX_LEN]);
	return 0;
}

/* One interface name of a reply; -1 if it is no NUL-terminated name. */
static int ifname_get(const struct nlattr *attr, char name[IF_NAMESIZE])
{
	const char *s = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if (!len || len > IF_NAMESIZE || memchr(s, '\0', len) != s + len - 1)
		return -1;
	memset(name, 0, IF_NAMESIZE);
	memcpy(name, s, len);
	return 0;
}

/*
 * A list of the reply: @type nests of prefixes into @items, each @size
 * bytes and starting with its struct sg_prefix, and for the forward list
 * the interfaces' names into struct sg_forward.
 */
struct prefixes {
	void *items;
	size_t size;
	int n, max;
	uint16_t type;
};

static int prefixes_cb(const struct nlmsghdr *nlh, void *data)
{
	struct prefixes *ps = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		uint16_t type = mnl_attr_get_type(attr);
		void *item = (char *)ps->items + ps->n * ps->size;
		int ret;

		if (type != ps->type && (ps->type != SYNGUARD_A_FORWARD ||
					 type != SYNGUARD_A_FORWARD_DEV))
			continue;
		if (ps->n == ps->max)
			continue;
		memset(item, 0, ps->size);
		if (type == SYNGUARD_A_FORWARD_DEV)
			ret = ifname_get(attr, ((struct sg_forward *)item)->dev);
		else
			ret = prefix_get(attr, item);
		if (ret)
			return MNL_CB_ERROR;
		ps->n++;
	}
	return MNL_CB_OK;
}

/*
 * The list @cmd gets, of @type attributes, @size bytes an item; @what
 * names it in errors.
 */
static int prefixes_fetch(struct sg_nl *nl, uint8_t cmd, uint16_t type,
			  size_t size, const char *what, void *items, int max)
{
	struct prefixes ps = { items, size, 0, max, type };
	struct nlmsghdr *nlh;

	nlh = sg_nl_request(nl, cmd, 0);
	if (sg_nl_run(nl, nlh, prefixes_cb, &ps, what))
		return -1;
	return ps.n;
}

int allow_fetch(struct sg_nl *nl, void *p, int max)
{
	return prefixes_fetch(nl, SYNGUARD_CMD_ALLOW_GET, SYNGUARD_A_ALLOW,
			      sizeof(struct sg_prefix), "allow list", p, max);
}

int forward_fetch(struct sg_nl *nl, void *f, int max)
{
	return prefixes_fetch(nl, SYNGUARD_CMD_FORWARD_GET, SYNGUARD_A_FORWARD,
			      sizeof(struct sg_forward), "forward list", f,
			      max);
}

/*
 * @n items of @size bytes, formatted by @format: words on one line
 * ("none" for none), or a JSON array of strings.
 */
static void items_print(const void *items, int n, size_t size,
			void (*format)(const void *item, char *buf,
				       size_t size))
{
	char buf[INET6_ADDRSTRLEN + 8];
	int i;

	if (json)
		json_begin('[');
	else if (!n)
		printf("none");
	for (i = 0; i < n; i++) {
		format((const char *)items + i * size, buf, sizeof(buf));
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

void prefixes_print(const void *items, int n)
{
	items_print(items, n, sizeof(struct sg_prefix), sg_format_prefix);
}

void forward_print(const void *items, int n, bool lines)
{
	const struct sg_forward *f = items;
	char buf[INET6_ADDRSTRLEN + 8];
	int i, np = 0;

	if (json || !lines || !n) {
		items_print(f, n, sizeof(*f), sg_format_forward);
		return;
	}
	for (i = 0; i < n; i++)
		if (!*f[i].dev) {
			sg_format_prefix(&f[i].p, buf, sizeof(buf));
			printf("%s%s", np++ ? " " : "", buf);
		}
	if (np)
		putchar('\n');
	for (i = 0; i < n; i++)
		if (*f[i].dev)
			printf("dev %s\n", f[i].dev);
}

void sg_put_range(struct nlmsghdr *nlh, const void *item)
{
	const struct sg_range *r = item;
	struct nlattr *nest = mnl_attr_nest_start(nlh, SYNGUARD_A_PORT_RANGE);

	mnl_attr_put_u16(nlh, SYNGUARD_A_PORT_RANGE_FIRST, r->first);
	mnl_attr_put_u16(nlh, SYNGUARD_A_PORT_RANGE_LAST, r->last);
	mnl_attr_nest_end(nlh, nest);
}

static int ports_parse(char **argv, int argc, void *item)
{
	struct sg_range *r = item;

	(void)argc;
	return sg_parse_range(NULL, argv[0], &r->first, &r->last) ? -1 : 1;
}

static void put_prefix(struct nlmsghdr *nlh, uint16_t type,
		       const struct sg_prefix *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u16(nlh, SYNGUARD_A_PREFIX_FAMILY, p->family);
	mnl_attr_put(nlh, SYNGUARD_A_PREFIX_ADDR,
		     p->family == AF_INET ? 4 : 16, p->addr);
	mnl_attr_put_u8(nlh, SYNGUARD_A_PREFIX_LEN, p->len);
	mnl_attr_nest_end(nlh, nest);
}

void sg_put_allow(struct nlmsghdr *nlh, const void *item)
{
	put_prefix(nlh, SYNGUARD_A_ALLOW, item);
}

void sg_put_forward(struct nlmsghdr *nlh, const void *item)
{
	const struct sg_forward *f = item;

	if (*f->dev)
		mnl_attr_put_strz(nlh, SYNGUARD_A_FORWARD_DEV, f->dev);
	else
		put_prefix(nlh, SYNGUARD_A_FORWARD, &f->p);
}

static int prefix_parse(char **argv, int argc, void *item)
{
	struct sg_prefix *p = item;

	(void)argc;
	return sg_parse_prefix(NULL, argv[0], &p->family, p->addr,
			       &p->len) ? -1 : 1;
}

/* PREFIX, or "dev" IFNAME: two words. */
static int forward_parse(char **argv, int argc, void *item)
{
	struct sg_forward *f = item;

	memset(f, 0, sizeof(*f));
	if (strcmp(argv[0], "dev"))
		return prefix_parse(argv, argc, &f->p);
	if (argc < 2) {
		sg_err("'dev' needs an interface name");
		return -1;
	}
	return sg_parse_ifname(NULL, argv[1], f->dev) ? -1 : 2;
}

/*
 * SG_LIST_MAX items one command takes, and a listing holds: the kernel's
 * limit of a list of prefixes, and SG_FORWARD_DEVS more interfaces in
 * the forward list. The kernel judges the rest (it takes fewer port
 * ranges, and no more than SG_FORWARD_DEVS interfaces).
 */

/*
 * What "ports", "allow" and "forward" share: a list to show, flush, add
 * to, del from.
 */
struct sg_list {
	const char *name;
	const char *item, *items;	/* what an argument is, for messages */
	int max;		/* items in one request, and in a listing */
	size_t size;		/* of one item */
	uint8_t add, del;	/* commands */
	int (*fetch)(struct sg_nl *nl, void *items, int max);
	void (*print)(const void *items, int n);
	/* One item from @argc words at @argv: how many it took, or -1. */
	int (*parse)(char **argv, int argc, void *item);
	void (*put)(struct nlmsghdr *nlh, const void *item);
};

/* Adds or deletes @n items in one request; "flush" deletes them all. */
static int list_change(struct sg_nl *nl, const struct sg_list *l,
		       const char *cmd, const void *items, int n)
{
	char what[32];
	struct nlmsghdr *nlh;
	int i;

	snprintf(what, sizeof(what), "%s %s", l->name, cmd);
	nlh = sg_nl_request(nl, strcmp(cmd, "add") ? l->del : l->add, 0);
	for (i = 0; i < n; i++)
		l->put(nlh, (const char *)items + i * l->size);
	return sg_nl_run(nl, nlh, NULL, NULL, what) ? 1 : 0;
}

static int list_main(struct sg_nl *nl, const struct sg_list *l,
		     void *items, int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "list";
	bool show = !strcmp(cmd, "list") || !strcmp(cmd, "show");
	int i, n, took;

	if (show || !strcmp(cmd, "flush")) {
		if (argc > 2)
			return sg_usage(l->name);
		if (sg_nl_ready(nl))
			return 1;
		n = l->fetch(nl, items, l->max);
		if (n < 0)
			return 1;
		if (!show)
			return n ? list_change(nl, l, cmd, items, n) : 0;
		l->print(items, n);
		if (json)
			json_newline();
		return 0;
	}
	if (strcmp(cmd, "add") && strcmp(cmd, "del")) {
		sg_err("%s: unknown command '%s'", l->name, cmd);
		return sg_usage(l->name);
	}
	if (argc < 3) {
		sg_err("%s %s: no %s given", l->name, cmd, l->item);
		return sg_usage(l->name);
	}
	for (i = 2, n = 0; i < argc; i += took, n++) {
		if (n == l->max) {
			sg_err("%s %s: too many %s (at most %d at once)",
			       l->name, cmd, l->items, l->max);
			return 1;
		}
		took = l->parse(argv + i, argc - i, (char *)items + n * l->size);
		if (took < 0)
			return 1;
	}
	if (sg_nl_ready(nl))
		return 1;
	return list_change(nl, l, cmd, items, n);
}

int ports_main(struct sg_nl *nl, int argc, char **argv)
{
	static const struct sg_list ports = {
		.name = "ports", .item = "port range", .items = "port ranges",
		.max = SG_LIST_MAX,
		.size = sizeof(struct sg_range),
		.add = SYNGUARD_CMD_PORTS_ADD, .del = SYNGUARD_CMD_PORTS_DEL,
		.fetch = ports_fetch, .print = ports_print,
		.parse = ports_parse, .put = sg_put_range,
	};
	static struct sg_range r[SG_LIST_MAX];

	if (argc >= 2 && !strcmp(argv[1], "top"))
		return ports_top_main(nl, argc, argv);
	return list_main(nl, &ports, r, argc, argv);
}

int allow_main(struct sg_nl *nl, int argc, char **argv)
{
	static const struct sg_list allow = {
		.name = "allow", .item = "prefix", .items = "prefixes",
		.max = SG_LIST_MAX,
		.size = sizeof(struct sg_prefix),
		.add = SYNGUARD_CMD_ALLOW_ADD, .del = SYNGUARD_CMD_ALLOW_DEL,
		.fetch = allow_fetch, .print = prefixes_print,
		.parse = prefix_parse, .put = sg_put_allow,
	};
	static struct sg_prefix p[SG_LIST_MAX];

	return list_main(nl, &allow, p, argc, argv);
}

/* forward list: the prefixes on a line, then a "dev NAME" line each. */
static void forward_list_print(const void *items, int n)
{
	forward_print(items, n, true);
}

int forward_main(struct sg_nl *nl, int argc, char **argv)
{
	static const struct sg_list forward = {
		.name = "forward", .item = "prefix or interface",
		.items = "prefixes and interfaces", .max = SG_FORWARD_MAX,
		.size = sizeof(struct sg_forward),
		.add = SYNGUARD_CMD_FORWARD_ADD,
		.del = SYNGUARD_CMD_FORWARD_DEL,
		.fetch = forward_fetch, .print = forward_list_print,
		.parse = forward_parse, .put = sg_put_forward,
	};
	static struct sg_forward f[SG_FORWARD_MAX];

	return list_main(nl, &forward, f, argc, argv);
}
