/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNGUARDCTL_H
#define SYNGUARDCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
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
/* @what: NULL, or what the message starts with. */
int sg_parse_prefix(const char *what, const char *s, uint16_t *family,
		    uint8_t addr[16], uint8_t *len);
int sg_parse_range(const char *what, const char *s, uint16_t *first,
		   uint16_t *last);
/* An interface name into @name, NUL padded: one the kernel could have. */
int sg_parse_ifname(const char *what, const char *s,
		    char name[IF_NAMESIZE]);
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

/*
 * The settings SET_CONFIG takes besides the mode, in the order show
 * prints them; how each travels (u32 or u8) and is written (a number,
 * on/off).
 */
enum sg_setting_kind {
	SG_SETTING_U32,
	SG_SETTING_U8,
	SG_SETTING_ONOFF,	/* a u8, 0 or 1 */
};

struct sg_setting {
	const char *key;
	int attr;
	enum sg_setting_kind kind;
};

#define SG_NSETTINGS 11
extern const struct sg_setting sg_settings[SG_NSETTINGS];

/* KEY or key-with-dashes, any case; NULL if there is no such setting. */
const struct sg_setting *sg_setting_find(const char *key);
/* A value for @s; prints why not, after "@what: ". */
int sg_setting_parse(const struct sg_setting *s, const char *what,
		     const char *val, uint32_t *v);
void sg_setting_put(struct nlmsghdr *nlh, const struct sg_setting *s,
		    uint32_t v);
/* The value as set takes it: a number, or on/off; in @buf or static. */
#define SG_SETTING_STRLEN 12
const char *sg_setting_str(const struct sg_setting *s, uint32_t v,
			   char buf[SG_SETTING_STRLEN]);

/* A namespace's configuration and state (SYNGUARD_CMD_GET_CONFIG). */
struct sg_config {
	uint32_t mode;
	uint32_t value[SG_NSETTINGS];
	bool have[SG_NSETTINGS];	/* false: the module does not know it */
	bool under_attack;
	uint32_t syn_rate, halfopen_current, table_slots;
	uint32_t reason, halfopen_expected, halfopen_enter, unanswered_rate;
	uint32_t ports_exempt;
	bool have_backends;
	uint32_t backends;	/* gateway destinations learned */
	int tcp_syncookies;
	int ct_tcp_loose;	/* -1: nf_conntrack not loaded */
};

/* GET_CONFIG; errors are printed after "@what: " unless @what is NULL. */
int sg_config_fetch(struct sg_nl *nl, struct sg_config *c, const char *what);
/* Whether SYNs to listeners get cookies now, and why (or why not). */
bool sg_cookie_mode(const struct sg_config *c, const char **why);

/* A namespace's counters (SYNGUARD_CMD_GET_STATS), indexed by attribute. */
struct sg_stats {
	bool have[SYNGUARD_A_STATS_MAX + 1];
	uint64_t v[SYNGUARD_A_STATS_MAX + 1];
	bool under_attack;
	uint32_t syn_rate;
};

/* Named as the files in /sys/kernel/synguard/stats/; NULL: none. */
extern const char *const sg_stat_names[SYNGUARD_A_STATS_MAX + 1];
int sg_stats_fetch(struct sg_nl *nl, struct sg_stats *s, const char *what);

/* Enter /run/netns/@name; print why not. */
int sg_enter_netns(const char *name);
/* The -n NETNS given, or NULL. */
extern const char *sg_netns;

/* The subcommands, each in its own file. */
int show_main(struct sg_nl *nl, int argc, char **argv);
int set_main(struct sg_nl *nl, int argc, char **argv);
int stats_main(struct sg_nl *nl, int argc, char **argv);
int sources_main(struct sg_nl *nl, int argc, char **argv);
int halfopen_main(struct sg_nl *nl, int argc, char **argv);
int ports_main(struct sg_nl *nl, int argc, char **argv);
int allow_main(struct sg_nl *nl, int argc, char **argv);
int forward_main(struct sg_nl *nl, int argc, char **argv);
int backends_main(struct sg_nl *nl, int argc, char **argv);
int ports_top_main(struct sg_nl *nl, int argc, char **argv);
int monitor_main(struct sg_nl *nl, int argc, char **argv);
int showconf_main(struct sg_nl *nl, int argc, char **argv);
int setconf_main(struct sg_nl *nl, int argc, char **argv);
int top_main(struct sg_nl *nl, int argc, char **argv);
/* stats -o prometheus [--all-netns] */
int prometheus_main(struct sg_nl *nl, int argc, char **argv);

/* Lists used by show as well as by ports/allow/forward list. */
struct sg_range {
	uint16_t first, last;
};

struct sg_prefix {
	uint16_t family;
	uint8_t addr[16];
	uint8_t len;
	uint32_t count;
};

/*
 * An entry of the forward list: a destination prefix, or an inbound
 * interface by name.
 */
struct sg_forward {
	struct sg_prefix p;		/* unless @dev is set */
	char dev[IF_NAMESIZE];		/* "" for a prefix */
};

/*
 * Arrays of struct sg_range (ports), struct sg_prefix (allow) and
 * struct sg_forward (forward: the prefixes first).
 */
int ports_fetch(struct sg_nl *nl, void *r, int max);
int allow_fetch(struct sg_nl *nl, void *p, int max);
int forward_fetch(struct sg_nl *nl, void *f, int max);
void ports_print(const void *r, int n);
void prefixes_print(const void *p, int n);
/*
 * The forward list on one line (show), or its prefixes on one and each
 * interface on its own, "dev NAME" (forward list). JSON: an array of
 * "PREFIX" and "dev NAME" strings either way.
 */
void forward_print(const void *f, int n, bool lines);
/* One part of a GET_SOURCES dump; -1 if it is malformed. */
int sg_source_parse(const struct nlmsghdr *nlh, struct sg_prefix *src);

/*
 * One struct sg_range, struct sg_prefix of the allowlist or struct
 * sg_forward into a request: nested, or an interface's name.
 */
void sg_put_range(struct nlmsghdr *nlh, const void *item);
void sg_put_allow(struct nlmsghdr *nlh, const void *item);
void sg_put_forward(struct nlmsghdr *nlh, const void *item);
/* "PORT" or "FIRST-LAST"; "ADDRESS/LEN"; that or "dev NAME". */
void sg_format_range(const void *item, char *buf, size_t size);
void sg_format_prefix(const void *item, char *buf, size_t size);
void sg_format_forward(const void *item, char *buf, size_t size);
/* Order for sorting (a forward list's prefixes first), and equality. */
int sg_range_cmp(const void *a, const void *b);
int sg_prefix_cmp(const void *a, const void *b);
int sg_forward_cmp(const void *a, const void *b);

/* The most items of a list one command takes, and a listing holds. */
#define SG_LIST_MAX 256
/* The forward list's interfaces (the kernel's limit), and all its entries. */
#define SG_FORWARD_DEVS 16
#define SG_FORWARD_MAX (SG_LIST_MAX + SG_FORWARD_DEVS)

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
 * Returns how many it stored, or -errno after printing why after
 * "@what: " (nothing if @what is NULL). Needs no privilege.
 */
int port_stats_fetch(struct sg_nl *nl, struct sg_port_stat *p, int max,
		     const char *what);
/* One SYNGUARD_A_PORT nest into @p; -1 if incomplete. */
int port_stat_parse(const struct nlattr *nest, struct sg_port_stat *p);
/* @p as one JSON object (an array element). */
void port_stat_json(const struct sg_port_stat *p);

#endif /* SYNGUARDCTL_H */
