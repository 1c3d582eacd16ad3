// SPDX-License-Identifier: GPL-2.0
/*
 * sources: the source prefixes holding the most half-open connections.
 * halfopen: every tracked half-open connection.
 * backends: the gateway destinations and what their backends agreed to.
 * All are netlink dumps, printed as the parts arrive.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "synguardctl.h"

/* Whether every attribute 1..@max but @optional (0: none) is in @tb. */
static bool dump_complete(const struct nlattr **tb, int max, int optional)
{
	int i;

	for (i = 1; i <= max; i++)
		if (!tb[i] && i != optional)
			return false;
	return true;
}

/* The address in @attr if it is as long as @family's, else NULL. */
static const void *dump_addr(const struct nlattr *attr, uint16_t family)
{
	if (mnl_attr_get_payload_len(attr) != (family == AF_INET ? 4U : 16U))
		return NULL;
	return mnl_attr_get_payload(attr);
}

/*
 * Runs the dump @nlh, inside a JSON array with -j. @cb prints each part
 * as it comes and keeps nothing: its data is NULL.
 */
static int dump_print(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		      const char *what)
{
	int ret;

	if (json)
		json_begin('[');
	ret = sg_nl_run(nl, nlh, cb, NULL, what);
	if (json) {
		json_end(']');
		json_newline();
	}
	return ret ? 1 : 0;
}

/* The same for a dump without request attributes. */
static int dump_cmd(struct sg_nl *nl, uint8_t cmd, mnl_cb_t cb,
		    const char *what)
{
	if (sg_nl_ready(nl))
		return 1;
	return dump_print(nl, sg_nl_request(nl, cmd, NLM_F_DUMP), cb, what);
}

int sg_source_parse(const struct nlmsghdr *nlh, struct sg_prefix *src)
{
	const struct nlattr *p[SYNGUARD_A_PREFIX_MAX + 1] = { NULL };
	const void *a;

	if (sg_nl_parse_part(nlh, SYNGUARD_A_SOURCE, p, SYNGUARD_A_PREFIX_MAX) ||
	    !dump_complete(p, SYNGUARD_A_PREFIX_MAX, 0))
		return -1;
	memset(src, 0, sizeof(*src));
	src->family = mnl_attr_get_u16(p[SYNGUARD_A_PREFIX_FAMILY]);
	a = dump_addr(p[SYNGUARD_A_PREFIX_ADDR], src->family);
	if (!a)
		return -1;
	memcpy(src->addr, a, src->family == AF_INET ? 4 : 16);
	src->len = mnl_attr_get_u8(p[SYNGUARD_A_PREFIX_LEN]);
	src->count = mnl_attr_get_u32(p[SYNGUARD_A_PREFIX_COUNT]);
	return 0;
}

static int sources_cb(const struct nlmsghdr *nlh, void *data)
{
	char addr[INET6_ADDRSTRLEN + 8];
	struct sg_prefix src;

	(void)data;
	if (sg_source_parse(nlh, &src))
		return MNL_CB_ERROR;
	sg_format_addr(addr, sizeof(addr), src.family, src.addr, src.len);
	if (json) {
		json_key(NULL);
		json_begin('{');
		json_str("prefix", addr);
		json_u64("count", src.count);
		json_end('}');
	} else {
		printf("%-45s %u\n", addr, src.count);
	}
	return MNL_CB_OK;
}

int sources_main(struct sg_nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	uint32_t top = 0;

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
	return dump_print(nl, nlh, sources_cb, "sources");
}

static int halfopen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *h[SYNGUARD_A_HALFOPEN_MAX + 1] = { NULL };
	char src[SG_ENDPOINT_LEN], dst[SG_ENDPOINT_LEN];
	const void *saddr, *daddr;
	uint16_t family, sport, dport;

	(void)data;
	if (sg_nl_parse_part(nlh, SYNGUARD_A_HALFOPEN, h,
			     SYNGUARD_A_HALFOPEN_MAX) ||
	    !dump_complete(h, SYNGUARD_A_HALFOPEN_MAX, 0))
		return MNL_CB_ERROR;
	family = mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_FAMILY]);
	saddr = dump_addr(h[SYNGUARD_A_HALFOPEN_SADDR], family);
	daddr = dump_addr(h[SYNGUARD_A_HALFOPEN_DADDR], family);
	if (!saddr || !daddr)
		return MNL_CB_ERROR;
	sport = ntohs(mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_SPORT]));
	dport = ntohs(mnl_attr_get_u16(h[SYNGUARD_A_HALFOPEN_DPORT]));
	if (json) {
		json_key(NULL);
		json_begin('{');
		sg_format_addr(src, sizeof(src), family, saddr, -1);
		json_str("saddr", src);
		json_u64("sport", sport);
		sg_format_addr(dst, sizeof(dst), family, daddr, -1);
		json_str("daddr", dst);
		json_u64("dport", dport);
		json_u64("isn", mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_ISN]));
		json_u64("age_ms", mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_AGE]));
		json_end('}');
	} else {
		sg_format_endpoint(src, sizeof(src), family, saddr, sport);
		sg_format_endpoint(dst, sizeof(dst), family, daddr, dport);
		printf("%s -> %s isn %u age %ums\n", src, dst,
		       mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_ISN]),
		       mnl_attr_get_u32(h[SYNGUARD_A_HALFOPEN_AGE]));
	}
	return MNL_CB_OK;
}

int halfopen_main(struct sg_nl *nl, int argc, char **argv)
{
	if (argc > 1) {
		sg_err("halfopen: unexpected '%s'", argv[1]);
		return sg_usage("halfopen");
	}
	return dump_cmd(nl, SYNGUARD_CMD_GET_HALFOPEN, halfopen_cb, "halfopen");
}

/* What the backends behind a destination agreed to: a word, a JSON key. */
static const struct {
	uint32_t flag;
	const char *word;
	const char *key;
} backend_flags[] = {
	{ SYNGUARD_BACKEND_F_SACK, "sack", "sack" },
	{ SYNGUARD_BACKEND_F_TIMESTAMPS, "ts", "timestamps" },
	{ SYNGUARD_BACKEND_F_ECN, "ecn", "ecn" },
	{ SYNGUARD_BACKEND_F_CLOSED, "closed", "closed" },
};

static int backends_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *b[SYNGUARD_A_BACKEND_MAX + 1] = { NULL };
	const struct nlattr *wscale;
	char dst[SG_ENDPOINT_LEN], m[8] = "-", w[8] = "-";
	uint32_t flags, age;
	uint16_t family, port, mss;
	const void *addr;
	size_t i;

	(void)data;
	/* no window scaling: no WSCALE */
	if (sg_nl_parse_part(nlh, SYNGUARD_A_BACKEND, b,
			     SYNGUARD_A_BACKEND_MAX) ||
	    !dump_complete(b, SYNGUARD_A_BACKEND_MAX, SYNGUARD_A_BACKEND_WSCALE))
		return MNL_CB_ERROR;
	family = mnl_attr_get_u16(b[SYNGUARD_A_BACKEND_FAMILY]);
	addr = dump_addr(b[SYNGUARD_A_BACKEND_ADDR], family);
	if (!addr)
		return MNL_CB_ERROR;
	port = ntohs(mnl_attr_get_u16(b[SYNGUARD_A_BACKEND_PORT]));
	mss = mnl_attr_get_u16(b[SYNGUARD_A_BACKEND_MSS]);
	wscale = b[SYNGUARD_A_BACKEND_WSCALE];
	flags = mnl_attr_get_u32(b[SYNGUARD_A_BACKEND_FLAGS]);
	age = mnl_attr_get_u32(b[SYNGUARD_A_BACKEND_AGE]);

	if (json) {
		char a[INET6_ADDRSTRLEN];

		json_key(NULL);
		json_begin('{');
		sg_format_addr(a, sizeof(a), family, addr, -1);
		json_str("addr", a);
		json_u64("port", port);
		json_u64("mss", mss);
		if (wscale)
			json_u64("wscale", mnl_attr_get_u8(wscale));
		else
			json_null("wscale");
		json_bool("learned", flags & SYNGUARD_BACKEND_F_LEARNED);
		for (i = 0; i < ARRAY_SIZE(backend_flags); i++)
			json_bool(backend_flags[i].key,
				  flags & backend_flags[i].flag);
		json_u64("age_ms", age);
		json_end('}');
		return MNL_CB_OK;
	}

	sg_format_endpoint(dst, sizeof(dst), family, addr, port);
	if (mss)
		snprintf(m, sizeof(m), "%u", mss);
	if (wscale)
		snprintf(w, sizeof(w), "%u", mnl_attr_get_u8(wscale));
	printf("%s mss %s wscale %s", dst, m, w);
	if (!(flags & SYNGUARD_BACKEND_F_LEARNED))
		printf(" learning");
	for (i = 0; i < ARRAY_SIZE(backend_flags); i++)
		if (flags & backend_flags[i].flag)
			printf(" %s", backend_flags[i].word);
	printf(" age %ums\n", age);
	return MNL_CB_OK;
}

int backends_main(struct sg_nl *nl, int argc, char **argv)
{
	if (argc > 2) {
		sg_err("backends: unexpected '%s'", argv[2]);
		return sg_usage("backends");
	}
	if (argc == 2 && strcmp(argv[1], "show") && strcmp(argv[1], "list")) {
		sg_err("backends: unknown command '%s'", argv[1]);
		return sg_usage("backends");
	}
	return dump_cmd(nl, SYNGUARD_CMD_GET_BACKENDS, backends_cb, "backends");
}
