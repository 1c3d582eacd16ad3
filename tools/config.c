// SPDX-License-Identifier: GPL-2.0
/*
 * show: the settings, what synguard is doing and why, and what in this
 * namespace keeps cookies from working.
 * set: any number of settings at once; the kernel applies all or none.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synguardctl.h"

const struct sg_setting sg_settings[] = {
	{ "halfopen_high", SYNGUARD_A_HALFOPEN_HIGH, SG_SETTING_U32 },
	{ "halfopen_low", SYNGUARD_A_HALFOPEN_LOW, SG_SETTING_U32 },
	{ "syn_rate_low", SYNGUARD_A_SYN_RATE_LOW, SG_SETTING_U32 },
	{ "cooldown", SYNGUARD_A_COOLDOWN, SG_SETTING_U32 },
	{ "halfopen_timeout", SYNGUARD_A_HALFOPEN_TIMEOUT, SG_SETTING_U32 },
	{ "table_size", SYNGUARD_A_TABLE_SIZE, SG_SETTING_U32 },
	{ "source_limit", SYNGUARD_A_SOURCE_LIMIT, SG_SETTING_U32 },
	{ "prefix4", SYNGUARD_A_PREFIX4, SG_SETTING_U8 },
	{ "prefix6", SYNGUARD_A_PREFIX6, SG_SETTING_U8 },
	{ "gateway", SYNGUARD_A_GATEWAY, SG_SETTING_ONOFF },
	{ "gateway_table", SYNGUARD_A_GATEWAY_TABLE, SG_SETTING_U32 },
};

static_assert(ARRAY_SIZE(sg_settings) == SG_NSETTINGS,
	      "SG_NSETTINGS is the number of settings");

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SYNGUARD_A_MAX + 1] = { NULL };
	const struct nlattr *st[SYNGUARD_A_STATE_MAX + 1] = { NULL };
	struct sg_config *c = data;
	size_t i;

	sg_nl_parse(nlh, tb, SYNGUARD_A_MAX);
	if (!tb[SYNGUARD_A_MODE] || !tb[SYNGUARD_A_STATE])
		return MNL_CB_ERROR;
	c->mode = mnl_attr_get_u32(tb[SYNGUARD_A_MODE]);
	for (i = 0; i < SG_NSETTINGS; i++) {
		const struct nlattr *a = tb[sg_settings[i].attr];

		if (!a)
			continue;
		c->have[i] = true;
		c->value[i] = sg_settings[i].kind == SG_SETTING_U32 ?
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

int sg_config_fetch(struct sg_nl *nl, struct sg_config *c, const char *what)
{
	memset(c, 0, sizeof(*c));
	return sg_nl_run(nl, sg_nl_request(nl, SYNGUARD_CMD_GET_CONFIG, 0),
			 config_cb, c, what);
}

/* What started cookie mode (enum synguard_reason), in words. */
static const char *flood_reason(const struct sg_config *c)
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

bool sg_cookie_mode(const struct sg_config *c, const char **why)
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
static void setting_print(const struct sg_config *c, int i)
{
	const struct sg_setting *s = &sg_settings[i];
	char buf[SG_SETTING_STRLEN];
	uint32_t v = c->value[i];

	if (json) {
		if (!c->have[i])
			json_null(s->key);
		else if (s->kind == SG_SETTING_ONOFF)
			json_bool(s->key, v);
		else
			json_u64(s->key, v);
	} else if (c->have[i]) {
		printf("%s: %s\n", s->key, sg_setting_str(s, v, buf));
	}
}

#define MAX_WARNINGS 4

static int warnings(const struct sg_config *c, const char **w)
{
	int n = 0;

	if (c->tcp_syncookies == 0)
		w[n++] = "net.ipv4.tcp_syncookies is 0 in this namespace: the kernel would reject every cookie, so synguard sends none";
	if (c->ct_tcp_loose == 0)
		w[n++] = "net.netfilter.nf_conntrack_tcp_loose is 0 in this namespace: conntrack drops the first ACK of a cookie connection";
	return n;
}

/*
 * Room for each list show prints, beyond the kernel's 256 prefixes (and
 * the forward list's 16 interfaces).
 */
#define SHOW_PREFIXES 1024

int show_main(struct sg_nl *nl, int argc, char **argv)
{
	struct sg_range ranges[64];
	const char *w[MAX_WARNINGS], *why;
	struct sg_forward *forward;
	struct sg_prefix *allow;
	struct sg_config c;
	int nranges, nallow, nforward, nw, i;
	bool on;

	if (argc > 1) {
		sg_err("show: unexpected '%s'", argv[1]);
		return sg_usage("show");
	}
	if (sg_nl_ready(nl))
		return 1;
	if (sg_config_fetch(nl, &c, "show"))
		return 1;
	nranges = ports_fetch(nl, ranges, 64);
	if (nranges < 0)
		return 1;
	allow = calloc(SHOW_PREFIXES, sizeof(*allow));
	forward = calloc(SHOW_PREFIXES, sizeof(*forward));
	nallow = allow && forward ? allow_fetch(nl, allow, SHOW_PREFIXES) : -1;
	nforward = nallow < 0 ? -1 :
		   forward_fetch(nl, forward, SHOW_PREFIXES);
	if (nforward < 0) {
		free(allow);
		free(forward);
		return 1;
	}

	on = sg_cookie_mode(&c, &why);
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
		for (i = 0; i < SG_NSETTINGS; i++)
			setting_print(&c, i);
		if (c.have_backends)
			json_u64("backends", c.backends);
		else
			json_null("backends");
		json_key("ports");
		ports_print(ranges, nranges);
		json_key("allow");
		prefixes_print(allow, nallow);
		json_key("forward");
		forward_print(forward, nforward, false);
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
		for (i = 0; i < SG_NSETTINGS; i++)
			setting_print(&c, i);
		if (c.have_backends)
			printf("gateway destinations: %u learned\n",
			       c.backends);
		printf("ports: ");
		ports_print(ranges, nranges);
		printf("allow: ");
		prefixes_print(allow, nallow);
		printf("forward: ");
		forward_print(forward, nforward, false);
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
	free(forward);
	return 0;
}

const struct sg_setting *sg_setting_find(const char *key)
{
	char k[64];
	size_t i;

	if (strlen(key) >= sizeof(k))
		return NULL;
	/* halfopen-high and halfopen_high alike */
	for (i = 0; key[i]; i++)
		k[i] = key[i] == '-' ? '_' : key[i];
	k[i] = '\0';
	for (i = 0; i < SG_NSETTINGS; i++)
		if (!strcasecmp(k, sg_settings[i].key))
			return &sg_settings[i];
	return NULL;
}

int sg_setting_parse(const struct sg_setting *s, const char *what,
		     const char *val, uint32_t *v)
{
	if (s->kind == SG_SETTING_ONOFF)
		return sg_parse_onoff(what, val, v);
	if (sg_parse_u32(what, val, v))
		return -1;
	if (s->kind == SG_SETTING_U8 && *v > 255) {
		sg_err("%s: %u is out of range", what, *v);
		return -1;
	}
	return 0;
}

const char *sg_setting_str(const struct sg_setting *s, uint32_t v,
			   char buf[SG_SETTING_STRLEN])
{
	if (s->kind == SG_SETTING_ONOFF)
		return v ? "on" : "off";
	snprintf(buf, SG_SETTING_STRLEN, "%u", v);
	return buf;
}

void sg_setting_put(struct nlmsghdr *nlh, const struct sg_setting *s,
		    uint32_t v)
{
	if (s->kind == SG_SETTING_U32)
		mnl_attr_put_u32(nlh, s->attr, v);
	else
		mnl_attr_put_u8(nlh, s->attr, v);
}

int set_main(struct sg_nl *nl, int argc, char **argv)
{
	struct { const struct sg_setting *s; uint32_t v; } items[16];
	struct nlmsghdr *nlh;
	char label[64];
	int n = 0, i, j, mode;

	if (argc < 3 || (argc - 1) % 2) {
		if (argc > 1 && argc % 2 == 0)
			sg_err("set: '%s' needs a value", argv[argc - 1]);
		return sg_usage("set");
	}
	for (i = 1; i < argc; i += 2) {
		const struct sg_setting *s = NULL;
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
			v = mode;
		} else {
			s = sg_setting_find(argv[i]);
			if (!s) {
				sg_err("set: unknown setting '%s'", argv[i]);
				return sg_usage("set");
			}
			snprintf(label, sizeof(label), "set: %s", s->key);
			if (sg_setting_parse(s, label, argv[i + 1], &v))
				return 1;
		}
		items[n].s = s;
		items[n++].v = v;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (items[i].s == items[j].s) {
				sg_err("set: %s given twice", argv[2 * j + 1]);
				return 1;
			}

	if (sg_nl_ready(nl))
		return 1;
	nlh = sg_nl_request(nl, SYNGUARD_CMD_SET_CONFIG, 0);
	for (i = 0; i < n; i++) {
		if (items[i].s)
			sg_setting_put(nlh, items[i].s, items[i].v);
		else
			mnl_attr_put_u32(nlh, SYNGUARD_A_MODE, items[i].v);
	}
	return sg_nl_run(nl, nlh, NULL, NULL, "set") ? 1 : 0;
}
