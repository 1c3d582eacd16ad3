/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNGUARDCTL_H
#define SYNGUARDCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "nl.h"
#include "../module/version.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The tool is released with the module: one version, in version.h. */
#define SYNGUARDCTL_VERSION SYNGUARD_VERSION

extern const char *prog;
extern bool json;		/* -j: print JSON */

/* "synguardctl: ..." on stderr. */
void sg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the netlink socket unless it is open; print why not. */
int sg_nl_ready(struct sg_nl *nl);

/* Usage of one object, or of everything with NULL; returns 1. */
int sg_usage(const char *object);

/* Parsers: 0 on success, else print why and return -1. */
int sg_parse_u32(const char *what, const char *s, uint32_t *v);
int sg_parse_prefix(const char *s, uint16_t *family, uint8_t addr[16],
		    uint8_t *len);
int sg_parse_range(const char *s, uint16_t *first, uint16_t *last);
int sg_parse_onoff(const char *what, const char *s, uint32_t *v);
const char *sg_mode_name(uint32_t mode);
int sg_mode_parse(const char *s);

/* Formats an address (4 or 16 bytes) with an optional "/len". */
void sg_format_addr(char *out, size_t size, int family, const void *addr,
		    int len);

/* ADDRESS:PORT, or [ADDRESS]:PORT for IPv6; @port in host order. */
void sg_format_endpoint(char *out, size_t size, int family, const void *addr,
			uint16_t port);
/* The longest of them, with the NUL. */
#define SG_ENDPOINT_LEN (INET6_ADDRSTRLEN + 8)

/* A small JSON writer: commas and nesting are tracked here. */
void json_begin(char bracket);			/* '{' or '[' */
void json_end(char bracket);
void json_key(const char *key);
void json_str(const char *key, const char *val);	/* key may be NULL */
void json_u64(const char *key, uint64_t val);
void json_bool(const char *key, bool val);
void json_null(const char *key);
void json_newline(void);

/* The subcommands, each in its own file. */
int show_main(struct sg_nl *nl, int argc, char **argv);
int set_main(struct sg_nl *nl, int argc, char **argv);
int stats_main(struct sg_nl *nl, int argc, char **argv);
int sources_main(struct sg_nl *nl, int argc, char **argv);
int halfopen_main(struct sg_nl *nl, int argc, char **argv);
int ports_main(struct sg_nl *nl, int argc, char **argv);
int allow_main(struct sg_nl *nl, int argc, char **argv);
int backends_main(struct sg_nl *nl, int argc, char **argv);
int ports_top_main(struct sg_nl *nl, int argc, char **argv);
int monitor_main(struct sg_nl *nl, int argc, char **argv);

/* Lists used by show as well as by ports/allow list. */
struct sg_range {
	uint16_t first, last;
};

struct sg_prefix {
	uint16_t family;
	uint8_t addr[16];
	uint8_t len;
	uint32_t count;
};

/* Arrays of struct sg_range (ports) and struct sg_prefix (allow). */
int ports_fetch(struct sg_nl *nl, void *r, int max);
int allow_fetch(struct sg_nl *nl, void *p, int max);
void ports_print(const void *r, int n);
void allow_print(const void *p, int n);

/*
 * One destination port of the kernel's per-port view (portstat.c): the
 * last second's rates and the totals since the kernel kept the port.
 */
struct sg_port_stat {
	uint16_t port;
	uint32_t syn_rate;		/* SYNs in the last second */
	uint32_t sent_rate;		/* cookies sent in it */
	uint32_t validated_rate;	/* cookies validated in it */
	uint64_t syns;
	uint64_t cookies_sent;
	uint64_t cookies_validated;
};

/*
 * Fetches the @max busiest destination ports of the current namespace
 * into @p, busiest first (the last second's SYNs, then all of them);
 * the kernel keeps at most SYNGUARD_PORT_STATS. Opens @nl if need be.
 * Returns how many it stored, or -errno after printing why. Needs no
 * privilege.
 */
int port_stats_fetch(struct sg_nl *nl, struct sg_port_stat *p, int max);
/* One SYNGUARD_A_PORT nest into @p; -1 if incomplete. */
int port_stat_parse(const struct nlattr *nest, struct sg_port_stat *p);
/* @p as one JSON object (an array element). */
void port_stat_json(const struct sg_port_stat *p);

#endif /* SYNGUARDCTL_H */
