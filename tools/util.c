// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of the words on the command line, formatting of addresses,
 * and a JSON writer small enough to read at a glance.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "synguardctl.h"

static const char *const mode_names[] = {
	[SYNGUARD_MODE_OFF] = "off",
	[SYNGUARD_MODE_MONITOR] = "monitor",
	[SYNGUARD_MODE_AUTO] = "auto",
	[SYNGUARD_MODE_ALWAYS] = "always",
};

const char *sg_mode_name(uint32_t mode)
{
	return mode <= SYNGUARD_MODE_MAX ? mode_names[mode] : "unknown";
}

int sg_mode_parse(const char *s)
{
	int i;

	for (i = 0; i <= SYNGUARD_MODE_MAX; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -1;
}

int sg_parse_u32(const char *what, const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		goto bad;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		goto bad;
	*v = n;
	return 0;
bad:
	sg_err("%s: '%s' is not a number from 0 to %u", what, s, UINT32_MAX);
	return -1;
}

int sg_parse_onoff(const char *what, const char *s, uint32_t *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "off")) {
		*v = !strcmp(s, "on");
		return 0;
	}
	sg_err("%s: '%s' is neither on nor off", what, s);
	return -1;
}

/* ADDRESS[/LEN]; without a length, the whole address. */
int sg_parse_prefix(const char *what, const char *s, uint16_t *family,
		    uint8_t addr[16], uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	uint32_t plen;
	int bits;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		bits = 128;
	} else {
		goto bad;
	}
	plen = bits;
	if (slash) {
		char *end;

		if (!isdigit((unsigned char)*slash))
			goto bad;
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno || *end || plen > (uint32_t)bits)
			goto bad;
	}
	*len = plen;
	return 0;
bad:
	sg_err("%s%sinvalid prefix '%s' (expected ADDRESS[/LEN], IPv4 or IPv6)",
	       what ?: "", what ? ": " : "", s);
	return -1;
}

/* PORT or FIRST-LAST. */
int sg_parse_range(const char *what, const char *s, uint16_t *first,
		   uint16_t *last)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-' && isdigit((unsigned char)end[1]))
		b = strtoul(end + 1, &end, 10);
	if (errno || *end || a > 65535 || b > 65535)
		goto bad;
	*first = a;
	*last = b;
	return 0;
bad:
	sg_err("%s%sinvalid port range '%s' (expected PORT or FIRST-LAST, 1..65535)",
	       what ?: "", what ? ": " : "", s);
	return -1;
}

/*
 * As the kernel's dev_valid_name(): not empty, at most IF_NAMESIZE - 1
 * bytes, not "." or "..", no '/', ':' or white space.
 */
int sg_parse_ifname(const char *what, const char *s, char name[IF_NAMESIZE])
{
	size_t len = strlen(s);
	const char *c;

	if (!len) {
		sg_err("%s%sempty interface name", what ?: "", what ? ": " : "");
		return -1;
	}
	if (len >= IF_NAMESIZE) {
		sg_err("%s%sinterface name '%s' too long (at most %d bytes)",
		       what ?: "", what ? ": " : "", s, IF_NAMESIZE - 1);
		return -1;
	}
	for (c = s; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			break;
	if (*c || !strcmp(s, ".") || !strcmp(s, "..")) {
		sg_err("%s%sinvalid interface name '%s'", what ?: "",
		       what ? ": " : "", s);
		return -1;
	}
	memset(name, 0, IF_NAMESIZE);
	memcpy(name, s, len);
	return 0;
}

void sg_format_addr(char *out, size_t size, int family, const void *addr,
		    int len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (len >= 0)
		snprintf(out, size, "%s/%d", a, len);
	else
		snprintf(out, size, "%s", a);
}

void sg_format_endpoint(char *out, size_t size, int family, const void *addr,
			uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	sg_format_addr(a, sizeof(a), family, addr, -1);
	snprintf(out, size, family == AF_INET ? "%s:%u" : "[%s]:%u", a, port);
}

/* JSON ---------------------------------------------------------------- */

static bool json_first[32] = { true };
static int json_depth;

static void json_sep(void)
{
	if (!json_first[json_depth])
		putchar(',');
	json_first[json_depth] = false;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void json_key(const char *key)
{
	json_sep();
	if (key) {
		json_string(key);
		putchar(':');
	}
}

void json_begin(char bracket)
{
	putchar(bracket);
	if (json_depth < 31)
		json_depth++;
	json_first[json_depth] = true;
}

void json_end(char bracket)
{
	putchar(bracket);
	if (json_depth > 0)
		json_depth--;
}

void json_str(const char *key, const char *val)
{
	json_key(key);
	json_string(val);
}

void json_u64(const char *key, uint64_t val)
{
	json_key(key);
	printf("%llu", (unsigned long long)val);
}

void json_bool(const char *key, bool val)
{
	json_key(key);
	fputs(val ? "true" : "false", stdout);
}

void json_null(const char *key)
{
	json_key(key);
	fputs("null", stdout);
}

void json_newline(void)
{
	putchar('\n');
}
