// SPDX-License-Identifier: GPL-2.0
/*
 * stats -o prometheus [--all-netns]: the counters and the state in the
 * Prometheus text exposition format, as node_exporter's textfile
 * collector reads it.
 *
 * Every counter of /sys/kernel/synguard/stats/ is a counter named
 * synguard_<name>_total; the state is a handful of gauges. A namespace
 * named with -n, or found in /run/netns/ with --all-netns, labels its
 * series netns="NAME"; the one synguardctl runs in has no netns label.
 * The busiest destination ports add series with a port label.
 * The format wants every series of a metric together: everything is
 * read first, then printed metric by metric.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synguardctl.h"

/* One namespace's figures. */
struct prom_ns {
	char name[256];		/* "": the namespace synguardctl runs in */
	struct sg_stats s;
	struct sg_config c;
	struct sg_port_stat ports[SYNGUARD_PORT_STATS];
	int nports;
};

struct prom {
	struct prom_ns *ns;
	int n;
};

/* {netns="NAME"} with @extra (a "key=\"value\"" or NULL), or {extra}. */
static void prom_labels(const struct prom_ns *ns, const char *extra)
{
	const char *p;

	if (!ns->name[0] && !extra)
		return;
	putchar('{');
	if (ns->name[0]) {
		fputs("netns=\"", stdout);
		for (p = ns->name; *p; p++) {
			if (*p == '\\' || *p == '"')
				putchar('\\');
			if (*p == '\n')
				fputs("\\n", stdout);
			else
				putchar(*p);
		}
		putchar('"');
	}
	if (extra)
		printf("%s%s", ns->name[0] ? "," : "", extra);
	putchar('}');
}

static void prom_head(const char *metric, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
}

static void prom_sample(const char *metric, const struct prom_ns *ns,
			const char *extra, unsigned long long v)
{
	fputs(metric, stdout);
	prom_labels(ns, extra);
	printf(" %llu\n", v);
}

static void prom_counters(const struct prom *p)
{
	char metric[96], help[160];
	int a, i;

	for (a = 1; a <= SYNGUARD_A_STATS_MAX; a++) {
		bool any = false;

		if (!sg_stat_names[a] || a == SYNGUARD_A_STATS_HALFOPEN_CURRENT)
			continue;
		for (i = 0; i < p->n; i++)
			any |= p->ns[i].s.have[a];
		if (!any)
			continue;
		snprintf(metric, sizeof(metric), "synguard_%s_total",
			 sg_stat_names[a]);
		snprintf(help, sizeof(help),
			 "synguard's %s counter (/sys/kernel/synguard/stats/%s holds the total of every namespace).",
			 sg_stat_names[a], sg_stat_names[a]);
		prom_head(metric, "counter", help);
		for (i = 0; i < p->n; i++)
			if (p->ns[i].s.have[a])
				prom_sample(metric, &p->ns[i], NULL,
					    p->ns[i].s.v[a]);
	}
}

/* Why cookie mode is on, as a label value, and whether it is. */
static const struct {
	const char *label;
	uint32_t mode, reason;	/* reason: for mode auto only */
} prom_reasons[] = {
	{ "reason=\"mode_always\"", SYNGUARD_MODE_ALWAYS, 0 },
	{ "reason=\"halfopens\"", SYNGUARD_MODE_AUTO, SYNGUARD_REASON_HALFOPENS },
	{ "reason=\"table_full\"", SYNGUARD_MODE_AUTO, SYNGUARD_REASON_TABLE_FULL },
};

static bool prom_reason_holds(const struct sg_config *c, int r, bool on)
{
	return on && c->mode == prom_reasons[r].mode &&
	       (c->mode != SYNGUARD_MODE_AUTO ||
		c->reason == prom_reasons[r].reason);
}

static unsigned long long prom_cookie_mode(const struct sg_config *c)
{
	const char *why;

	return sg_cookie_mode(c, &why);
}

static unsigned long long prom_flood(const struct sg_config *c)
{
	return c->under_attack;
}

static unsigned long long prom_halfopen(const struct sg_config *c)
{
	return c->halfopen_current;
}

static unsigned long long prom_slots(const struct sg_config *c)
{
	return c->table_slots;
}

static unsigned long long prom_syn_rate(const struct sg_config *c)
{
	return c->syn_rate;
}

/* The gauges with one series per namespace. */
static const struct {
	const char *metric, *help;
	unsigned long long (*value)(const struct sg_config *c);
} prom_gauges[] = {
	{ "synguard_cookie_mode",
	  "1 while SYNs to listeners are answered with SYN cookies.",
	  prom_cookie_mode },
	{ "synguard_flood_detected",
	  "1 while a flood is detected (also in mode monitor, which does not answer it).",
	  prom_flood },
	{ "synguard_halfopen_current", "Half-open connections tracked now.",
	  prom_halfopen },
	{ "synguard_halfopen_slots",
	  "Slots of the half-open table (the table_size setting).",
	  prom_slots },
	{ "synguard_syn_rate",
	  "SYNs a second, as synguard measures them to decide.",
	  prom_syn_rate },
};

static void prom_state(const struct prom *p)
{
	const char *why;
	char label[32];
	size_t g;
	int i, r, m;

	for (g = 0; g < ARRAY_SIZE(prom_gauges); g++) {
		prom_head(prom_gauges[g].metric, "gauge", prom_gauges[g].help);
		for (i = 0; i < p->n; i++)
			prom_sample(prom_gauges[g].metric, &p->ns[i], NULL,
				    prom_gauges[g].value(&p->ns[i].c));
	}

	prom_head("synguard_cookie_mode_reason", "gauge",
		  "1 for the reason cookie mode is on: mode always, or in mode auto a flood seen in the half-opens or a full table.");
	for (i = 0; i < p->n; i++) {
		bool on = sg_cookie_mode(&p->ns[i].c, &why);

		for (r = 0; r < (int)ARRAY_SIZE(prom_reasons); r++)
			prom_sample("synguard_cookie_mode_reason", &p->ns[i],
				    prom_reasons[r].label,
				    prom_reason_holds(&p->ns[i].c, r, on));
	}

	prom_head("synguard_mode", "gauge",
		  "1 for the namespace's mode: off, monitor, auto or always.");
	for (i = 0; i < p->n; i++)
		for (m = 0; m <= SYNGUARD_MODE_MAX; m++) {
			snprintf(label, sizeof(label), "mode=\"%s\"",
				 sg_mode_name(m));
			prom_sample("synguard_mode", &p->ns[i], label,
				    p->ns[i].c.mode == (uint32_t)m);
		}
}

static unsigned long long prom_port_syns(const struct sg_port_stat *p)
{
	return p->syns;
}

static unsigned long long prom_port_sent(const struct sg_port_stat *p)
{
	return p->cookies_sent;
}

static unsigned long long prom_port_validated(const struct sg_port_stat *p)
{
	return p->cookies_validated;
}

static unsigned long long prom_port_syn_rate(const struct sg_port_stat *p)
{
	return p->syn_rate;
}

/*
 * The kernel's per-port view: the SYNGUARD_PORT_STATS busiest ports of
 * each namespace. A port's totals start when the kernel begins to keep
 * it and start again should it be dropped and come back, which
 * Prometheus takes as a counter reset.
 */
static const struct {
	const char *metric, *type, *help;
	unsigned long long (*value)(const struct sg_port_stat *p);
} prom_port_metrics[] = {
	{ "synguard_port_syn_received_total", "counter",
	  "SYNs to the destination port, since synguard began to keep it among the busiest.",
	  prom_port_syns },
	{ "synguard_port_cookies_sent_total", "counter",
	  "SYN cookies sent for the destination port, since synguard began to keep it.",
	  prom_port_sent },
	{ "synguard_port_cookies_validated_total", "counter",
	  "SYN cookies to the destination port that came back valid, since synguard began to keep it.",
	  prom_port_validated },
	{ "synguard_port_syn_rate", "gauge",
	  "SYNs to the destination port in the last second.",
	  prom_port_syn_rate },
};

static void prom_ports(const struct prom *p)
{
	char label[16];
	bool any = false;
	size_t m;
	int i, j;

	for (i = 0; i < p->n; i++)
		any |= p->ns[i].nports > 0;
	if (!any)
		return;
	for (m = 0; m < ARRAY_SIZE(prom_port_metrics); m++) {
		prom_head(prom_port_metrics[m].metric,
			  prom_port_metrics[m].type, prom_port_metrics[m].help);
		for (i = 0; i < p->n; i++)
			for (j = 0; j < p->ns[i].nports; j++) {
				const struct sg_port_stat *ps =
					&p->ns[i].ports[j];

				snprintf(label, sizeof(label), "port=\"%u\"",
					 ps->port);
				prom_sample(prom_port_metrics[m].metric,
					    &p->ns[i], label,
					    prom_port_metrics[m].value(ps));
			}
	}
}

/* Reads the namespace @nl is in into @ns; prints why not. */
static int prom_read(struct sg_nl *nl, struct prom_ns *ns)
{
	if (sg_stats_fetch(nl, &ns->s, "stats") ||
	    sg_config_fetch(nl, &ns->c, "stats"))
		return -1;
	ns->nports = port_stats_fetch(nl, ns->ports, SYNGUARD_PORT_STATS,
				      "stats");
	return ns->nports < 0 ? -1 : 0;
}

static int prom_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prom_ns *)a)->name,
		      ((const struct prom_ns *)b)->name);
}

/*
 * Every namespace in /run/netns/ but the one already read (@self), each
 * through a socket of its own. One that cannot be read is left out with
 * a message: the rest are still worth writing.
 */
static int prom_read_all(struct prom *p, const struct stat *self)
{
	struct dirent *d;
	struct stat st;
	char path[300];
	DIR *dir;

	dir = opendir("/run/netns");
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((d = readdir(dir))) {
		struct prom_ns *grown, *ns;
		struct sg_nl nl = { 0 };

		if (d->d_name[0] == '.' || strlen(d->d_name) >= sizeof(ns->name))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		if (stat(path, &st) ||
		    (st.st_dev == self->st_dev && st.st_ino == self->st_ino))
			continue;
		grown = realloc(p->ns, (p->n + 1) * sizeof(*p->ns));
		if (!grown)
			break;
		p->ns = grown;
		ns = &p->ns[p->n];
		memset(ns, 0, sizeof(*ns));
		snprintf(ns->name, sizeof(ns->name), "%s", d->d_name);
		if (!sg_enter_netns(d->d_name) && !sg_nl_open(&nl) &&
		    !prom_read(&nl, ns))
			p->n++;
		sg_nl_close(&nl);
	}
	closedir(dir);
	qsort(p->ns + 1, p->n - 1, sizeof(*p->ns), prom_name_cmp);
	return 0;
}

int prometheus_main(struct sg_nl *nl, int argc, char **argv)
{
	struct prom p = { 0 };
	struct stat self;
	bool all = false;

	if (argc == 2 && !strcmp(argv[1], "--all-netns")) {
		all = true;
	} else if (argc > 1) {
		sg_err("stats: unexpected '%s'", argv[1]);
		return sg_usage("stats");
	}
	if (all && stat("/proc/self/ns/net", &self)) {
		sg_err("stats: /proc/self/ns/net: %s", strerror(errno));
		return 1;
	}
	if (sg_nl_ready(nl))
		return 1;
	p.ns = calloc(1, sizeof(*p.ns));
	if (!p.ns)
		return 1;
	if (sg_netns)
		snprintf(p.ns[0].name, sizeof(p.ns[0].name), "%s", sg_netns);
	if (prom_read(nl, &p.ns[0])) {
		free(p.ns);
		return 1;
	}
	p.n = 1;
	if (all && prom_read_all(&p, &self))
		sg_err("stats: /run/netns: %s", strerror(errno));

	prom_counters(&p);
	prom_state(&p);
	prom_ports(&p);
	free(p.ns);
	return 0;
}
