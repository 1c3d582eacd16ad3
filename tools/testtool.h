/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test tools (synflood, legitload, peerprobe) share: the
 * messages of a bad command line, the checks of its numbers and
 * addresses, and the clock they time things by.
 */
#ifndef SG_TESTTOOL_H
#define SG_TESTTOOL_H

#include <stdio.h>
#include <sys/socket.h>

/*
 * The tool these serve, for their messages: its name, which begins each
 * line, and its usage text. Each tool defines it.
 */
struct testtool {
	const char *name;
	void (*usage)(FILE *f);
};
extern const struct testtool testtool;

/* "NAME: WHAT ARG" and the usage on stderr; returns 2, the exit status. */
int bad_usage(const char *what, const char *arg);
/* "NAME: bad value 'ARG' for --OPT"; returns 2, the exit status. */
int bad_value(const char *arg, const char *opt);
/*
 * The end of an option loop, for -h (--help) and for what getopt refused:
 * the usage on stdout and 0 for 'h', on stderr and 2 for any other opt.
 */
int help_or_usage(int opt);

/* CLOCK_MONOTONIC, in seconds. */
double now_s(void);

/* A decimal number from lo to hi, all of s; 0, or -1 if it is not. */
int parse_long(const char *s, long lo, long hi, long *v);
/* A finite number of at least lo, all of s; 0, or -1 if it is not. */
int parse_double(const char *s, double lo, double *v);

/* AF_INET6 if ADDR has a colon, AF_INET otherwise. */
int addr_family(const char *addr);
/* ADDR and PORT into ss, of the family given; numeric only. 0 or -1. */
int parse_addr(const char *addr, int family, long port,
	       struct sockaddr_storage *ss, socklen_t *len);

#endif
