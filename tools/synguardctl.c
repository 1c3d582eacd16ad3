// SPDX-License-Identifier: GPL-2.0
/*
 * synguardctl: configure synguard and read its state, per network
 * namespace, over the "synguard" generic netlink family.
 *
 *	synguardctl [-j|--json] [-n NETNS] OBJECT [COMMAND] [ARGS]
 *
 * A table of objects dispatches to one *_main function each, in a file
 * of its own.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synguardctl.h"

const char *prog = "synguardctl";
bool json;
const char *sg_netns;

static const struct {
	const char *object;
	int (*main)(struct sg_nl *nl, int argc, char **argv);
	const char *usage;
} objects[] = {
	{ "show", show_main, "show" },
	{ "set", set_main, "set KEY VALUE [KEY VALUE]..." },
	{ "stats", stats_main, "stats [-o { text | json | prometheus [--all-netns] }]" },
	{ "sources", sources_main, "sources [top N]" },
	{ "halfopen", halfopen_main, "halfopen" },
	{ "ports", ports_main, "ports { add | del } RANGE... | ports { list | flush } | ports top [N]" },
	{ "allow", allow_main, "allow { add | del } PREFIX... | allow { list | flush }" },
	{ "forward", forward_main, "forward { add | del } { PREFIX | dev IFNAME }... | forward { list | flush }" },
	{ "backends", backends_main, "backends [show]" },
	{ "showconf", showconf_main, "showconf" },
	{ "setconf", setconf_main, "setconf { FILE | - }" },
	{ "top", top_main, "top" },
	{ "monitor", monitor_main, "monitor" },
};

void sg_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void sg_print_usage(FILE *f, const char *object)
{
	size_t i;

	if (!object)
		fprintf(f, "Usage: %s [-j|--json] [-n NETNS] OBJECT [COMMAND] [ARGS]\n"
			"       %s { -h | --help | -V | --version }\n\n"
			"Objects:\n", prog, prog);
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!object)
			fprintf(f, "  %s\n", objects[i].usage);
		else if (!strcmp(object, objects[i].object))
			fprintf(f, "Usage: %s %s\n", prog, objects[i].usage);
	if (!object || !strcmp(object, "set"))
		fprintf(f, "%s"
			"Settings (set KEY VALUE):\n"
			"  mode { off | monitor | auto | always }\n"
			"  halfopen_high N     half-opens that start cookie mode (1..1048576)\n"
			"  halfopen_low N      half-opens under which it may end (0..1048576)\n"
			"  syn_rate_low N      SYN/s under which it may end (1..100000000)\n"
			"  cooldown SECONDS    calm seconds before it ends (1..3600)\n"
			"  halfopen_timeout MS when an unanswered SYN is forgotten (100..600000)\n"
			"  table_size N        half-open slots (64..1048576; empties the table)\n"
			"  source_limit N      half-opens per source prefix (1..1048576)\n"
			"  prefix4 LEN         IPv4 source prefix length (0..32)\n"
			"  prefix6 LEN         IPv6 source prefix length (0..128)\n"
			"  gateway on|off      answer SYNs this host DNATs, or forwards to or from the forward list\n"
			"  gateway_table N     gateway destinations per namespace (64..65536)\n",
			object ? "\n" : "\n");
	if (!object || !strcmp(object, "ports") || !strcmp(object, "allow") ||
	    !strcmp(object, "forward"))
		fprintf(f, "\nRANGE is PORT or FIRST-LAST; no range at all protects every port.\n"
			"PREFIX is ADDRESS[/LEN], IPv4 or IPv6; allowlisted sources never get cookies.\n"
			"forward PREFIXes: forwarded destinations without DNAT that gateway mode protects (DNATed ones always are);\n"
			"forward dev IFNAMEs: inbound interfaces whose forwarded SYNs it protects, whatever their destination.\n");
	if (!object || !strcmp(object, "backends"))
		fprintf(f, "\nbackends lists the gateway destinations and the options their\n"
			"backends answered with (needs CAP_NET_ADMIN).\n");
	if (!object)
		fprintf(f, "\nOptions:\n"
			"  -j, --json          print JSON\n"
			"  -n, --netns NETNS   act in the network namespace /run/netns/NETNS\n");
}

int sg_usage(const char *object)
{
	sg_print_usage(stderr, object);
	return 1;
}

int sg_enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (!*name || strchr(name, '/')) {
		sg_err("invalid network namespace name '%s'", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sg_err("cannot open network namespace '%s': %s", name,
		       strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		sg_err("cannot enter network namespace '%s': %s", name,
		       strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int sg_nl_ready(struct sg_nl *nl)
{
	if (nl->sock)
		return 0;
	return sg_nl_open(nl) ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	struct sg_nl nl;
	size_t i;
	int ret;

	argc--, argv++;
	while (argc > 0 && argv[0][0] == '-') {
		const char *opt = argv[0];

		if (!strcmp(opt, "-j") || !strcmp(opt, "--json")) {
			json = true;
		} else if (!strcmp(opt, "-n") || !strcmp(opt, "--netns")) {
			if (argc < 2)
				return sg_usage(NULL);
			netns = argv[1];
			argc--, argv++;
		} else if (!strncmp(opt, "-n", 2)) {
			netns = opt + 2;
		} else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			sg_print_usage(stdout, NULL);
			return 0;
		} else if (!strcmp(opt, "-V") || !strcmp(opt, "--version")) {
			printf("synguardctl %s\n", SYNGUARDCTL_VERSION);
			return 0;
		} else if (!strcmp(opt, "--")) {
			argc--, argv++;
			break;
		} else {
			sg_err("unknown option '%s'", opt);
			return sg_usage(NULL);
		}
		argc--, argv++;
	}
	if (argc < 1)
		return sg_usage(NULL);
	if (!strcmp(argv[0], "help")) {
		sg_print_usage(stdout, argc > 1 ? argv[1] : NULL);
		return 0;
	}

	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(argv[0], objects[i].object))
			break;
	if (i == ARRAY_SIZE(objects)) {
		sg_err("unknown object '%s'", argv[0]);
		return sg_usage(NULL);
	}
	if (argc > 1 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--help"))) {
		sg_print_usage(stdout, objects[i].object);
		return 0;
	}

	sg_netns = netns;
	if (netns && sg_enter_netns(netns))
		return 1;
	/* Each object checks its words first, then opens the socket. */
	memset(&nl, 0, sizeof(nl));
	ret = objects[i].main(&nl, argc, argv);
	sg_nl_close(&nl);
	return ret ? 1 : 0;
}
