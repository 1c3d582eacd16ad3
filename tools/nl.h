/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_NL_H
#define SG_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/synguard.h>

/* One request, one generic netlink socket. */
struct sg_nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t seq;
	char *buf;			/* the request being built */
};

/* Open the socket in the current network namespace; print why not. */
int sg_nl_open(struct sg_nl *nl);
void sg_nl_close(struct sg_nl *nl);

/* Start a request for @cmd; NLM_F_DUMP in @flags makes it a dump. */
struct nlmsghdr *sg_nl_request(struct sg_nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Send the request and run @cb on every reply message until the kernel's
 * ACK or NLMSG_DONE. On an error, print one line naming @what, the
 * attribute at fault, the kernel's extack message and strerror, and
 * return -errno.
 */
int sg_nl_run(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      const char *what);

/* Attribute tables indexed by type, filled by sg_nl_parse_*. */
int sg_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, int max);
int sg_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		       int max);
/* The attributes of the @type nest in one part of a dump; -1 if none. */
int sg_nl_parse_part(const struct nlmsghdr *nlh, int type,
		     const struct nlattr **tb, int max);

#endif /* SG_NL_H */
