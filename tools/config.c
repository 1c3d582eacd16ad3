// SPDX-License-Identifier: GPL-2.0
/*
 * show: the settings, what synguard is doing and why, and what in this
 * namespace keeps cookies from working.
 * set: any number of settings at once; the kernel applies all or none.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synguardctl.h"

/* How a setting travels (u32 or u8) and is written (a number, on/off). */
enum setting_kind {
	SETTING_U32,
	SETTING_U8,
	SETTING_ONOFF,		/* a u8, 0 or 1 */
};

/* The settings, in the order show prints them. */
static const struct setting {
	const char *key;
	int attr;
	enum setting_kind kind;
} settings[] = {
	{ "halfopen_high", SYNGUARD_A_HALFOPEN_HIGH, SETTING_U32 },
	{ "halfopen_low", SYNGUARD_A_HALFOPEN_LOW, SETTING_U32 },
	{ "syn_rate_low", SYNGUARD_A_SYN_RATE_LOW, SETTING_U32 },
	{ "cooldown", SYNGUARD_A_COOLDOWN, SETTING_U32 },
	{ "halfopen_timeout", SYNGUARD_A_HALFOPEN_TIMEOUT, SETTING_U32 },
	{ "table_size", SYNGUARD_A_TABLE_SIZE, SETTING_U32 },
	{ "source_limit", SYNGUARD_A_SOURCE_LIMIT, SETTING_U32 },
	{ "prefix4", SYNGUARD_A_PREFIX4, SETTING_U8 },
	{ "prefix6", SYNGUARD_A_PREFIX6, SETTING_U8 },
	{ "gateway", SYNGUARD_A_GATEWAY, SETTING_ONOFF },
};

#define NSETTINGS ARRAY_SIZE(settings)

struct config {
	uint32_t mode;
	uint32_t value[NSETTINGS];
	bool have[NSETTINGS];	/* false: the module does not know it */
	bool under_attack;
	uint32_t syn_rate, halfopen_current, table_slots;
	uint32_t reason, halfopen_expected, halfopen_enter, unanswered_rate;
	uint32_t ports_exempt;
	bool have_backends;
	uint32_t backends;	/* gateway destinations learned */
	int tcp_syncookies;
	int ct_tcp_loose;	/* -1: nf_conntrack not loaded */
};

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *st[SYNGUARD_A_STATE_MAX + 1] = { NULL };
	struct config *c = data;
	size_t i;

	sg_nl_parse(nlh, tb, SYNGUARD_A_MAX);
	if (!tb[SYNGUARD_A_MODE] || !tb[SYNGUARD_A_STATE])
		return MNL_CB_ERROR;
	c->mode = mnl_attr_get_u32(tb[SYNGUARD_A_MODE]);
	for (i = 0; i < NSETTINGS; i++) {
		const struct nlattr *a = tb[settings[i].attr];

		if (!a)
			continue;
		c->have[i] = true;
		c->value[i] = settings[i].kind == SETTING_U32 ?
			      mnl_attr_get_u32(a) : mnl_attr_get_u8(a);
	}
	sg_nl_parse_nested(tb[SYNGUARD_A_STATE], st, SYNGUARD_A_STATE_MAX);
	if (st[SYNGUARD_A_STATE_UNDER_ATTACK])
		c->under_attack = mnl_attr_get_u8(st[SYNGUARD_A_STATE_UNDER_ATTACK]);
	if (st[SYNGUARD_A_STATE_SYN_RATE])
		c->syn_rate = mnl_attr_get_u32(st[SYNGUARD_A_STATE_SYN_RATE]);
	if (st[SYNGUARD_A_STATE_HALFOPEN_CURRENT])
		c->halfopen_current =
			mnl_attr_get_u32(st[SYNGUARD_A_STATE_HALFOPEN_CURRENT]);
	if (st[SYNGUARD_A_STATE_TABLE_SLOTS])
		c->table_slots = mnl_attr_get_u32(st[SYNGUARD_A_STATE_TABLE_SLOTS]);
	if (st[SYNGUARD_A_STATE_REASON])
		c->reason = mnl_attr_get_u32(st[SYNGUARD_A_STATE_REASON]);
	if (st[SYNGUARD_A_STATE_HALFOPEN_EXPECTED])
		c->halfopen_expected =
			mnl_attr_get_u32(st[SYNGUARD_A_STATE_HALFOPEN_EXPECTED]);
	if (st[SYNGUARD_A_STATE_HALFOPEN_ENTER])
		c->halfopen_enter =
			mnl_attr_get_u32(st[SYNGUARD_A_STATE_HALFOPEN_ENTER]);
	if (st[SYNGUARD_A_STATE_PORTS_EXEMPT])
		c->ports_exempt =
			mnl_attr_get_u32(st[SYNGUARD_A_STATE_PORTS_EXEMPT]);
	if (st[SYNGUARD_A_STATE_BACKENDS]) {
		c->have_backends = true;
		c->backends = mnl_attr_get_u32(st[SYNGUARD_A_STATE_BACKENDS]);
	}
	if (st[SYNGUARD_A_STATE_UNANSWERED_RATE])
		c->unanswered_rate =
			mnl_attr_get_u32(st[SYNGUARD_A_STATE_UNANSWERED_RATE]);
	c->tcp_syncookies = st[SYNGUARD_A_STATE_TCP_SYNCOOKIES] ?
		mnl_attr_get_u8(st[SYNGUARD_A_STATE_TCP_SYNCOOKIES]) : -1;
	c->ct_tcp_loose = st[SYNGUARD_A_STATE_CT_TCP_LOOSE] ?
		mnl_attr_get_u8(st[SYNGUARD_A_STATE_CT_TCP_LOOSE]) : -1;
	return MNL_CB_OK;
}

/* What started cookie mode (enum synguard_reason), in words. */
static const char *flood_reason(const struct config *c)
{
	switch (c->reason) {
	case SYNGUARD_REASON_HALFOPENS:
		return "flood detected: more half-opens than completed handshakes explain";
	case SYNGUARD_REASON_TABLE_FULL:
		return "flood detected: the half-open table filled up";
	default:
		return "flood detected";
	}
}

/* Whether SYNs to listeners get cookies now, and why (or why not). */
static bool cookie_mode(const struct config *c, const char **why)
{
	switch (c->mode) {
	case SYNGUARD_MODE_ALWAYS:
		*why = "mode always";
		return true;
	case SYNGUARD_MODE_AUTO:
		*why = c->under_attack ? flood_reason(c) : "no flood detected";
		return c->under_attack;
	case SYNGUARD_MODE_MONITOR:
		*why = c->under_attack ? "monitor mode: flood detected, not acting" :
					 "monitor mode";
		return false;
	default:
		*why = "mode off";
		return false;
	}
}

/* One setting, in text ("key: value") or JSON; nothing if not reported. */
static void setting_print(const struct config *c, int i)
{
	const struct setting *s = &settings[i];
	uint32_t v = c->value[i];

	if (json) {
		if (!c->have[i])
			json_null(s->key);
		else if (s->kind == SETTING_ONOFF)
			json_bool(s->key, v);
		else
			json_u64(s->key, v);
	} else if (c->have[i]) {
		if (s->kind == SETTING_ONOFF)
			printf("%s: %s\n", s->key, v ? "on" : "off");
		else
			printf("%s: %u\n", s->key, v);
	}
}

#define MAX_WARNINGS 4

static int warnings(const struct config *c, const char **w)
{
	int n = 0;

	if (c->tcp_syncookies == 0)
		w[n++] = "net.ipv4.tcp_syncookies is 0 in this namespace: the kernel would reject every cookie, so synguard sends none";
	if (c->ct_tcp_loose == 0)
		w[n++] = "net.netfilter.nf_conntrack_tcp_loose is 0 in this namespace: conntrack drops the first ACK of a cookie connection";
	return n;
}

int show_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sg_range ranges[64];
	struct sg_prefix *allow;
	const char *w[MAX_WARNINGS], *why;
	struct config c = { 0 };
	struct nlmsghdr *nlh;
	int nranges, nallow, nw, i;
	bool on;

	if (argc > 1) {
		sg_err("show: unexpected '%s'", argv[1]);
		return sg_usage("show");
	}
	if (sg_nl_ready(nl))
		return 1;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_GET_CONFIG, 0);
	if (sg_nl_run(nl, nlh, config_cb, &c, "show"))
		return 1;
	nranges = ports_fetch(nl, ranges, 64);
	if (nranges < 0)
		return 1;
	allow = calloc(1024, sizeof(*allow));
	if (!allow)
		return 1;
	nallow = allow_fetch(nl, allow, 1024);
	if (nallow < 0) {
		free(allow);
		return 1;
	}

	on = cookie_mode(&c, &why);
	nw = warnings(&c, w);
	if (json) {
		json_begin('{');
		json_str("mode", sg_mode_name(c.mode));
		json_bool("cookie_mode", on);
		json_str("reason", why);
		json_bool("under_attack", c.under_attack);
		json_u64("syn_rate", c.syn_rate);
		json_u64("unanswered_rate", c.unanswered_rate);
		json_u64("halfopen_current", c.halfopen_current);
		json_u64("halfopen_expected", c.halfopen_expected);
		json_u64("halfopen_enter", c.halfopen_enter);
		json_u64("port_slots_exempt", c.ports_exempt);
		json_u64("table_slots", c.table_slots);
		for (i = 0; i < (int)NSETTINGS; i++)
			setting_print(&c, i);
		if (c.have_backends)
			json_u64("backends", c.backends);
		else
			json_null("backends");
		json_key("ports");
		ports_print(ranges, nranges);
		json_key("allow");
		allow_print(allow, nallow);
		if (c.tcp_syncookies >= 0)
			json_u64("tcp_syncookies", c.tcp_syncookies);
		else
			json_null("tcp_syncookies");
		if (c.ct_tcp_loose >= 0)
			json_u64("nf_conntrack_tcp_loose", c.ct_tcp_loose);
		else
			json_null("nf_conntrack_tcp_loose");
		json_key("warnings");
		json_begin('[');
		for (i = 0; i < nw; i++)
			json_str(NULL, w[i]);
		json_end(']');
		json_end('}');
		json_newline();
	} else {
		printf("mode: %s\n", sg_mode_name(c.mode));
		printf("cookie mode: %s (%s)\n", on ? "on" : "off", why);
		printf("syn rate: %u/s, unanswered cookies: %u/s\n", c.syn_rate,
		       c.unanswered_rate);
		printf("half-open: %u tracked, %u slots\n", c.halfopen_current,
		       c.table_slots);
		printf("cookie mode starts at: %u half-opens (%u expected from completed handshakes)\n",
		       c.halfopen_enter, c.halfopen_expected);
		if (on && c.mode == SYNGUARD_MODE_AUTO)
			printf("exempt from cookie mode: %u of %u port slots (their cookies come back)\n",
			       c.ports_exempt, SYNGUARD_PORT_SLOTS);
		for (i = 0; i < (int)NSETTINGS; i++)
			setting_print(&c, i);
		if (c.have_backends)
			printf("gateway destinations: %u learned\n",
			       c.backends);
		printf("ports: ");
		ports_print(ranges, nranges);
		printf("allow: ");
		allow_print(allow, nallow);
		if (c.tcp_syncookies >= 0)
			printf("tcp_syncookies: %d\n", c.tcp_syncookies);
		if (c.ct_tcp_loose >= 0)
			printf("nf_conntrack_tcp_loose: %d\n", c.ct_tcp_loose);
		else
			printf("nf_conntrack_tcp_loose: - (nf_conntrack not loaded)\n");
		for (i = 0; i < nw; i++)
			printf("warning: %s\n", w[i]);
	}
	free(allow);
	return 0;
}

static const struct setting *setting_find(const char *key)
{
	char k[64];
	size_t i;

	if (strlen(key) >= sizeof(k))
		return NULL;
	/* halfopen-high and halfopen_high alike */
	for (i = 0; key[i]; i++)
		k[i] = key[i] == '-' ? '_' : key[i];
	k[i] = '\0';
	for (i = 0; i < NSETTINGS; i++)
		if (!strcmp(k, settings[i].key))
			return &settings[i];
	return NULL;
}

int set_main(struct sg_nl *nl, int argc, char **argv)
{
	struct { int attr; uint32_t v; bool u8; } items[16];
	struct nlmsghdr *nlh;
	char label[64];
	int n = 0, i, j, mode;

	if (argc < 3 || (argc - 1) % 2) {
		if (argc > 1 && argc % 2 == 0)
			sg_err("set: '%s' needs a value", argv[argc - 1]);
		return sg_usage("set");
	}
	for (i = 1; i < argc; i += 2) {
		const struct setting *s;
		uint32_t v;

		if (n == (int)ARRAY_SIZE(items)) {
			sg_err("set: too many settings");
			return 1;
		}
		if (!strcmp(argv[i], "mode")) {
			mode = sg_mode_parse(argv[i + 1]);
			if (mode < 0) {
				sg_err("set: unknown mode '%s' (off, monitor, auto or always)",
				       argv[i + 1]);
				return 1;
			}
			items[n].attr = SYNGUARD_A_MODE;
			items[n].v = mode;
			items[n++].u8 = false;
			continue;
		}
		s = setting_find(argv[i]);
		if (!s) {
			sg_err("set: unknown setting '%s'", argv[i]);
			return sg_usage("set");
		}
		snprintf(label, sizeof(label), "set: %s", s->key);
		if (s->kind == SETTING_ONOFF) {
			if (sg_parse_onoff(label, argv[i + 1], &v))
				return 1;
		} else if (sg_parse_u32(label, argv[i + 1], &v)) {
			return 1;
		}
		if (s->kind == SETTING_U8 && v > 255) {
			sg_err("set: %s: %u is out of range", s->key, v);
			return 1;
		}
		items[n].attr = s->attr;
		items[n].v = v;
		items[n++].u8 = s->kind != SETTING_U32;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (items[i].attr == items[j].attr) {
				sg_err("set: %s given twice", argv[2 * j + 1]);
				return 1;
			}

	if (sg_nl_ready(nl))
		return 1;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_SET_CONFIG, 0);
	for (i = 0; i < n; i++) {
		if (items[i].u8)
			mnl_attr_put_u8(nlh, items[i].attr, items[i].v);
		else
			mnl_attr_put_u32(nlh, items[i].attr, items[i].v);
	}
	return sg_nl_run(nl, nlh, NULL, NULL, "set") ? 1 : 0;
}
