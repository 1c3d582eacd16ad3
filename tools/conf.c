// SPDX-License-Identifier: GPL-2.0
/*
 * showconf: a namespace's whole configuration, as a file setconf reads.
 * setconf: make a namespace's configuration exactly a file's, all or
 * nothing.
 *
 * The file is "KEY = VALUE" lines, as wg(8)'s; '#' starts a comment.
 * The keys are set's, and "ports", "allow" and "forward" take
 * comma-separated lists and may be repeated; an interface of the forward
 * list is "dev NAME". A key the file leaves out gets its default: what a
 * new namespace starts with.
 *
 * setconf reads and checks the whole file, against the kernel's own
 * limits (its netlink policy), before it changes anything; then it
 * applies the settings in one request and the lists as differences from
 * what is there. If the kernel refuses a step, the configuration read
 * before the first one is put back.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "synguardctl.h"

/* Items of a list on one line of showconf's. */
#define CONF_PER_LINE 8

/* A whole configuration; @line says where a file set each part. */
struct conf {
	uint32_t mode;
	uint32_t value[SG_NSETTINGS];
	struct sg_range ports[SG_LIST_MAX];
	struct sg_prefix allow[SG_LIST_MAX];
	struct sg_forward forward[SG_FORWARD_MAX];
	int nports, nallow, nforward;
	int mode_line, line[SG_NSETTINGS];	/* 0: not in the file */
};

/* Reading a file ------------------------------------------------------ */

struct conf_file {
	const char *name;
	int line;
	int errors;
	char where[300];	/* "FILE:LINE" */
};

static const char *conf_where(struct conf_file *f)
{
	snprintf(f->where, sizeof(f->where), "%s:%d", f->name, f->line);
	return f->where;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Whether @p has no address bits set beyond its length. */
static bool prefix_clean(const struct sg_prefix *p)
{
	int bytes = p->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < bytes; i++) {
		int keep = p->len - 8 * i;
		uint8_t mask = keep >= 8 ? 0xff :
			       keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (p->addr[i] & ~mask)
			return false;
	}
	return true;
}

static int conf_parse_port(struct conf_file *f, const char *text, void *item)
{
	struct sg_range *r = item;

	if (sg_parse_range(conf_where(f), text, &r->first, &r->last))
		return -1;
	if (!r->first) {
		sg_err("%s: port 0 is not a port (1..65535)", f->where);
		return -1;
	}
	if (r->first > r->last) {
		sg_err("%s: port range '%s' ends before it starts", f->where,
		       text);
		return -1;
	}
	return 0;
}

static int conf_parse_prefix(struct conf_file *f, const char *text, void *item)
{
	struct sg_prefix *p = item;

	memset(p, 0, sizeof(*p));
	if (sg_parse_prefix(conf_where(f), text, &p->family, p->addr, &p->len))
		return -1;
	if (!prefix_clean(p)) {
		sg_err("%s: prefix '%s' has address bits set beyond its length",
		       f->where, text);
		return -1;
	}
	return 0;
}

/* An item of the forward list: PREFIX, or "dev" NAME. */
static int conf_parse_forward(struct conf_file *f, const char *text,
			      void *item)
{
	struct sg_forward *fw = item;

	memset(fw, 0, sizeof(*fw));
	if (!strcmp(text, "dev")) {
		sg_err("%s: 'dev' needs an interface name", conf_where(f));
		return -1;
	}
	if (strncmp(text, "dev", 3) || !isspace((unsigned char)text[3]))
		return conf_parse_prefix(f, text, &fw->p);
	return sg_parse_ifname(conf_where(f), trim((char *)text + 3), fw->dev);
}

/* What the lists of a file share. */
static const struct conf_list {
	const char *key;
	const char *noun;	/* one item, for messages */
	int max;		/* items */
	size_t size;		/* of one item */
	size_t items, count;	/* offsets in struct conf */
	int (*cmp)(const void *a, const void *b);
	/* One item from @text into @item; prints why not. */
	int (*parse)(struct conf_file *f, const char *text, void *item);
	void (*format)(const void *item, char *buf, size_t size);
	/* The kernel's list: get, add, del, and one item into a request. */
	int (*fetch)(struct sg_nl *nl, void *items, int max);
	uint8_t add, del;
	void (*put)(struct nlmsghdr *nlh, const void *item);
} conf_lists[] = {
	{ "ports", "port range", SG_LIST_MAX, sizeof(struct sg_range),
	  offsetof(struct conf, ports), offsetof(struct conf, nports),
	  sg_range_cmp, conf_parse_port, sg_format_range,
	  ports_fetch, SYNGUARD_CMD_PORTS_ADD, SYNGUARD_CMD_PORTS_DEL,
	  sg_put_range },
	{ "allow", "prefix", SG_LIST_MAX, sizeof(struct sg_prefix),
	  offsetof(struct conf, allow), offsetof(struct conf, nallow),
	  sg_prefix_cmp, conf_parse_prefix, sg_format_prefix,
	  allow_fetch, SYNGUARD_CMD_ALLOW_ADD, SYNGUARD_CMD_ALLOW_DEL,
	  sg_put_allow },
	{ "forward", "prefix", SG_FORWARD_MAX, sizeof(struct sg_forward),
	  offsetof(struct conf, forward), offsetof(struct conf, nforward),
	  sg_forward_cmp, conf_parse_forward, sg_format_forward,
	  forward_fetch, SYNGUARD_CMD_FORWARD_ADD, SYNGUARD_CMD_FORWARD_DEL,
	  sg_put_forward },
};

/* The items of list @l in @c, and their count. */
static char *conf_items(const struct conf *c, const struct conf_list *l)
{
	return (char *)c + l->items;
}

static int *conf_count(const struct conf *c, const struct conf_list *l)
{
	return (int *)((char *)c + l->count);
}

/* The configuration of the namespace the socket is in, lists sorted. */
static int conf_fetch(struct sg_nl *nl, struct conf *c, const char *what)
{
	struct sg_config cfg;
	int i, *n;

	memset(c, 0, sizeof(*c));
	if (sg_config_fetch(nl, &cfg, what))
		return -1;
	for (i = 0; i < SG_NSETTINGS; i++) {
		if (!cfg.have[i]) {
			sg_err("%s: the module does not report %s", what,
			       sg_settings[i].key);
			return -1;
		}
		c->value[i] = cfg.value[i];
	}
	c->mode = cfg.mode;
	for (i = 0; i < (int)ARRAY_SIZE(conf_lists); i++) {
		const struct conf_list *l = &conf_lists[i];

		n = conf_count(c, l);
		*n = l->fetch(nl, conf_items(c, l), l->max);
		if (*n < 0)
			return -1;
		qsort(conf_items(c, l), *n, l->size, l->cmp);
	}
	return 0;
}

/* One item of list @l into @c: new, and room for it. */
static int conf_append(struct conf_file *f, const struct conf_list *l,
		       struct conf *c, const char *text)
{
	union {
		struct sg_range r;
		struct sg_prefix p;
		struct sg_forward f;
	} item;
	char *items = conf_items(c, l);
	int *n = conf_count(c, l), i;

	if (l->parse(f, text, &item))
		return -1;
	for (i = 0; i < *n; i++)
		if (!l->cmp(items + i * l->size, &item)) {
			/* The forward list's other kind of item. */
			if (l->cmp == sg_forward_cmp && *item.f.dev)
				sg_err("%s: interface '%s' given twice",
				       f->where, item.f.dev);
			else
				sg_err("%s: %s '%s' given twice", f->where,
				       l->noun, text);
			return -1;
		}
	if (*n == l->max) {
		sg_err("%s: more than %d of %s", f->where, l->max, l->key);
		return -1;
	}
	memcpy(items + (*n)++ * l->size, &item, l->size);
	return 0;
}

/* A comma-separated list; nothing at all is an empty list. */
static int conf_list(struct conf_file *f, const struct conf_list *l,
		     struct conf *c, char *val)
{
	char *item, *save = NULL;
	int ret = 0;

	if (!*val)
		return 0;
	if (val[strlen(val) - 1] == ',') {
		sg_err("%s: list ends with a comma", conf_where(f));
		return -1;
	}
	for (item = strtok_r(val, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		item = trim(item);
		if (!*item) {
			sg_err("%s: empty item in the list", conf_where(f));
			return -1;
		}
		ret |= conf_append(f, l, c, item);
	}
	return ret;
}

/* showconf ------------------------------------------------------------ */

/* List @l as "KEY = ITEM, ITEM...", CONF_PER_LINE to a line. */
static void conf_print_list(const struct conf *c, const struct conf_list *l)
{
	const char *items = conf_items(c, l);
	int n = *conf_count(c, l), i;
	char buf[INET6_ADDRSTRLEN + 8];

	if (!n)
		printf("%s =\n", l->key);
	for (i = 0; i < n; i++) {
		l->format(items + i * l->size, buf, sizeof(buf));
		if (i % CONF_PER_LINE)
			printf(", %s", buf);
		else
			printf("%s = %s", l->key, buf);
		if (i % CONF_PER_LINE == CONF_PER_LINE - 1 || i == n - 1)
			putchar('\n');
	}
}

int showconf_main(struct sg_nl *nl, int argc, char **argv)
{
	char buf[SG_SETTING_STRLEN];
	struct conf *c;
	int i;

	if (argc > 1) {
		sg_err("showconf: unexpected '%s'", argv[1]);
		return sg_usage("showconf");
	}
	if (sg_nl_ready(nl))
		return 1;
	c = malloc(sizeof(*c));
	if (!c || conf_fetch(nl, c, "showconf")) {
		free(c);
		return 1;
	}
	/* A name setconf would read otherwise: a list's comma, a comment. */
	for (i = 0; i < c->nforward; i++)
		if (strpbrk(c->forward[i].dev, ",#")) {
			sg_err("showconf: the forward list's interface '%s' cannot be written in the file (',' or '#' in its name)",
			       c->forward[i].dev);
			free(c);
			return 1;
		}
	printf("# synguard configuration%s%s (synguardctl showconf)\n",
	       sg_netns ? " of network namespace " : "",
	       sg_netns ? sg_netns : "");
	printf("mode = %s\n", sg_mode_name(c->mode));
	for (i = 0; i < SG_NSETTINGS; i++)
		printf("%s = %s\n", sg_settings[i].key,
		       sg_setting_str(&sg_settings[i], c->value[i], buf));
	for (i = 0; i < (int)ARRAY_SIZE(conf_lists); i++)
		conf_print_list(c, &conf_lists[i]);
	free(c);
	return 0;
}

/* One "KEY = VALUE" line into @c; prints why not. */
static int conf_line(struct conf_file *f, struct conf *c, char *text)
{
	const struct sg_setting *s;
	char *eq, *key, *val;
	int mode, i;

	eq = strchr(text, '=');
	if (!eq) {
		sg_err("%s: expected KEY = VALUE", conf_where(f));
		return -1;
	}
	*eq = '\0';
	key = trim(text);
	val = trim(eq + 1);
	for (i = 0; i < (int)ARRAY_SIZE(conf_lists); i++)
		if (!strcasecmp(key, conf_lists[i].key))
			return conf_list(f, &conf_lists[i], c, val);

	if (!*val) {
		sg_err("%s: %s has no value", conf_where(f), key);
		return -1;
	}
	if (!strcasecmp(key, "mode")) {
		if (c->mode_line) {
			sg_err("%s: mode given twice (first on line %d)",
			       conf_where(f), c->mode_line);
			return -1;
		}
		mode = sg_mode_parse(val);
		if (mode < 0) {
			sg_err("%s: unknown mode '%s' (off, monitor, auto or always)",
			       conf_where(f), val);
			return -1;
		}
		c->mode = mode;
		c->mode_line = f->line;
		return 0;
	}
	s = sg_setting_find(key);
	if (!s) {
		sg_err("%s: unknown key '%s'", conf_where(f), key);
		return -1;
	}
	i = s - sg_settings;
	if (c->line[i]) {
		sg_err("%s: %s given twice (first on line %d)", conf_where(f),
		       s->key, c->line[i]);
		return -1;
	}
	snprintf(f->where, sizeof(f->where), "%s:%d: %s", f->name, f->line,
		 s->key);
	if (sg_setting_parse(s, f->where, val, &c->value[i]))
		return -1;
	c->line[i] = f->line;
	return 0;
}

/* Reads @path ("-": standard input) into @c; prints every error in it. */
static int conf_read(const char *path, struct conf *c)
{
	struct conf_file f = { .name = path };
	char *buf = NULL, *hash;
	size_t size = 0;
	FILE *in;

	memset(c, 0, sizeof(*c));
	if (!strcmp(path, "-")) {
		in = stdin;
		f.name = "<stdin>";
	} else {
		in = fopen(path, "re");
		if (!in) {
			sg_err("setconf: cannot open %s: %s", path,
			       strerror(errno));
			return -1;
		}
	}
	while (getline(&buf, &size, in) >= 0) {
		f.line++;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		if (!*trim(buf))
			continue;
		if (conf_line(&f, c, trim(buf)))
			f.errors++;
	}
	if (ferror(in)) {
		sg_err("setconf: reading %s: %s", f.name, strerror(errno));
		f.errors++;
	}
	free(buf);
	if (in != stdin)
		fclose(in);
	return f.errors ? -1 : 0;
}

/* The kernel's limits --------------------------------------------------- */

/* The ranges SET_CONFIG's policy allows, by attribute. */
struct limits {
	bool have[SYNGUARD_A_MAX + 1];
	uint64_t min[SYNGUARD_A_MAX + 1], max[SYNGUARD_A_MAX + 1];
};

static int limits_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	const struct nlattr *idx, *attr;
	struct limits *l = data;

	sg_nl_parse(nlh, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_POLICY])
		return MNL_CB_OK;
	/* Policy 0 is the operation's own; nested policies come after. */
	mnl_attr_for_each_nested(idx, tb[CTRL_ATTR_POLICY]) {
		if (mnl_attr_get_type(idx) != 0)
			continue;
		mnl_attr_for_each_nested(attr, idx) {
			const struct nlattr *pt[NL_POLICY_TYPE_ATTR_MAX + 1] = { NULL };
			int type = mnl_attr_get_type(attr);

			if (type > SYNGUARD_A_MAX)
				continue;
			sg_nl_parse_nested(attr, pt, NL_POLICY_TYPE_ATTR_MAX);
			if (!pt[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] ||
			    !pt[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
				continue;
			l->have[type] = true;
			l->min[type] = mnl_attr_get_u64(pt[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
			l->max[type] = mnl_attr_get_u64(pt[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
		}
	}
	return MNL_CB_OK;
}

/*
 * SET_CONFIG's policy, from the kernel (CTRL_CMD_GETPOLICY): the tool
 * keeps no copy of the limits. Without it, the kernel alone judges.
 */
static void limits_fetch(struct sg_nl *nl, struct limits *l)
{
	uint16_t family = nl->family;
	struct nlmsghdr *nlh;

	memset(l, 0, sizeof(*l));
	nl->family = GENL_ID_CTRL;
	nlh = sg_nl_request(nl, CTRL_CMD_GETPOLICY, NLM_F_DUMP);
	nl->family = family;
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, family);
	mnl_attr_put_u32(nlh, CTRL_ATTR_OP, SYNGUARD_CMD_SET_CONFIG);
	if (sg_nl_run(nl, nlh, limits_cb, l, NULL))
		memset(l, 0, sizeof(*l));
}

/* Every value the file gives within the kernel's limits; says which not. */
static int conf_check(const char *name, const struct conf *c,
		      const struct limits *l)
{
	int high = sg_setting_find("halfopen_high") - sg_settings;
	int low = sg_setting_find("halfopen_low") - sg_settings;
	int i, attr, errors = 0;

	for (i = 0; i < SG_NSETTINGS; i++) {
		attr = sg_settings[i].attr;
		if (!c->line[i] || !l->have[attr])
			continue;
		if (c->value[i] < l->min[attr] || c->value[i] > l->max[attr]) {
			sg_err("%s:%d: %s: %u is out of range (%llu..%llu)",
			       name, c->line[i], sg_settings[i].key,
			       c->value[i], (unsigned long long)l->min[attr],
			       (unsigned long long)l->max[attr]);
			errors++;
		}
	}
	/* The one rule between two settings; the kernel has it too. */
	if (!errors && c->value[low] > c->value[high]) {
		sg_err("%s:%d: halfopen_low (%u) must not exceed halfopen_high (%u)",
		       name, c->line[low] ? c->line[low] : c->line[high],
		       c->value[low], c->value[high]);
		errors++;
	}
	return errors ? -1 : 0;
}

/*
 * The defaults, from the kernel: the configuration of a new network
 * namespace, which the module gives its built-in defaults and its load
 * parameters. The namespace is gone once the socket in it is closed.
 */
static int conf_defaults(struct conf *d)
{
	struct sg_nl tmp = { 0 };
	int self, ret = -1;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		sg_err("setconf: /proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWNET)) {
		sg_err("setconf: cannot learn the defaults in a new network namespace (%s): give every key in the file",
		       strerror(errno));
		close(self);
		return -1;
	}
	if (!sg_nl_open(&tmp))
		ret = conf_fetch(&tmp, d, "setconf: defaults");
	sg_nl_close(&tmp);
	if (setns(self, CLONE_NEWNET)) {
		sg_err("setconf: cannot return to the network namespace: %s",
		       strerror(errno));
		ret = -1;
	}
	close(self);
	return ret;
}

/* Applying ------------------------------------------------------------ */

/* Sends @cmd with every item of list @l in @a not in @b. */
static int conf_list_diff(struct sg_nl *nl, const struct conf_list *l,
			  uint8_t cmd, const char *what, const struct conf *a,
			  const struct conf *b)
{
	const char *ai = conf_items(a, l), *bi = conf_items(b, l);
	int n = *conf_count(a, l), m = *conf_count(b, l), i, j;
	struct nlmsghdr *nlh = NULL;

	for (i = 0; i < n; i++) {
		const void *x = ai + i * l->size;

		for (j = 0; j < m; j++)
			if (!l->cmp(x, bi + j * l->size))
				break;
		if (j < m)
			continue;
		if (!nlh)
			nlh = sg_nl_request(nl, cmd, 0);
		l->put(nlh, x);
	}
	return nlh ? sg_nl_run(nl, nlh, NULL, NULL, what) : 0;
}

/* Makes the namespace's configuration @to, from @from; -errno if refused. */
static int conf_apply(struct sg_nl *nl, const struct conf *to,
		      const struct conf *from, const char *what)
{
	char w[64];
	struct nlmsghdr *nlh;
	int i, ret;

	nlh = sg_nl_request(nl, SYNGUARD_CMD_SET_CONFIG, 0);
	mnl_attr_put_u32(nlh, SYNGUARD_A_MODE, to->mode);
	for (i = 0; i < SG_NSETTINGS; i++)
		sg_setting_put(nlh, &sg_settings[i], to->value[i]);
	ret = sg_nl_run(nl, nlh, NULL, NULL, what);
	if (ret)
		return ret;

	/* Deletions first: the kernel holds a limited number. */
	for (i = 0; !ret && i < (int)ARRAY_SIZE(conf_lists); i++) {
		const struct conf_list *l = &conf_lists[i];

		snprintf(w, sizeof(w), "%s: %s del", what, l->key);
		ret = conf_list_diff(nl, l, l->del, w, from, to);
		snprintf(w, sizeof(w), "%s: %s add", what, l->key);
		ret = ret ?: conf_list_diff(nl, l, l->add, w, to, from);
	}
	return ret;
}

int setconf_main(struct sg_nl *nl, int argc, char **argv)
{
	struct conf *want, *old, *now;
	struct limits *l;
	bool partial = false;
	int i, ret = 1;

	if (argc != 2) {
		if (argc > 2)
			sg_err("setconf: unexpected '%s'", argv[2]);
		return sg_usage("setconf");
	}
	want = malloc(sizeof(*want));
	old = malloc(sizeof(*old));
	now = malloc(sizeof(*now));
	l = malloc(sizeof(*l));
	if (!want || !old || !now || !l) {
		sg_err("setconf: out of memory");
		goto out;
	}
	if (conf_read(argv[1], want))
		goto out;
	if (sg_nl_ready(nl))
		goto out;

	/* What the file leaves out is the default. */
	partial = !want->mode_line;
	for (i = 0; i < SG_NSETTINGS; i++)
		partial |= !want->line[i];
	if (partial) {
		if (conf_defaults(now))
			goto out;
		if (!want->mode_line)
			want->mode = now->mode;
		for (i = 0; i < SG_NSETTINGS; i++)
			if (!want->line[i])
				want->value[i] = now->value[i];
	}
	limits_fetch(nl, l);
	if (conf_check(strcmp(argv[1], "-") ? argv[1] : "<stdin>", want, l))
		goto out;

	if (conf_fetch(nl, old, "setconf"))
		goto out;
	if (!conf_apply(nl, want, old, "setconf")) {
		ret = 0;
		goto out;
	}
	/* Refused midway: put back what was there, from what is there now. */
	if (!conf_fetch(nl, now, "setconf: restoring") &&
	    !conf_apply(nl, old, now, "setconf: restoring"))
		sg_err("setconf: undone: the configuration is as it was before");
	else
		sg_err("setconf: could not restore the configuration before it: check it with showconf");
out:
	free(want);
	free(old);
	free(now);
	free(l);
	return ret;
}
