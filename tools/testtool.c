// SPDX-License-Identifier: GPL-2.0
/*
 * What the test tools (synflood, legitload, peerprobe) share; see
 * testtool.h.
 */

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "testtool.h"

int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", testtool.name, what, arg);
	testtool.usage(stderr);
	return 2;
}

int bad_value(const char *arg, const char *opt)
{
	fprintf(stderr, "%s: bad value '%s' for --%s\n", testtool.name, arg,
		opt);
	return 2;
}

int help_or_usage(int opt)
{
	if (opt == 'h') {
		testtool.usage(stdout);
		return 0;
	}
	testtool.usage(stderr);
	return 2;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return end == s || *end || errno || *v < lo || *v > hi ? -1 : 0;
}

int parse_double(const char *s, double lo, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return end == s || *end || errno || !isfinite(*v) || *v < lo ? -1 : 0;
}

int addr_family(const char *addr)
{
	return strchr(addr, ':') ? AF_INET6 : AF_INET;
}

int parse_addr(const char *addr, int family, long port,
	       struct sockaddr_storage *ss, socklen_t *len)
{
	/* Numeric: no name lookup to wait for in a bare namespace. */
	struct addrinfo hints = { .ai_family = family,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST }, *ai;

	if (getaddrinfo(addr, NULL, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}
