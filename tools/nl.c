// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for synguardctl: the socket, the family, the
 * request and the replies. Every request asks for an ACK and extended
 * ACK, so an error comes back with the kernel's message and the offset
 * of the attribute at fault, which we turn back into its name.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "synguardctl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static size_t sg_nl_bufsize(void)
{
	return MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE : 32768;
}

/* Names of the attributes a request can carry, for error messages. */
static const char *const sg_attr_names[SYNGUARD_A_MAX + 1] = {
	[SYNGUARD_A_MODE] = "mode",
	[SYNGUARD_A_HALFOPEN_HIGH] = "halfopen_high",
	[SYNGUARD_A_HALFOPEN_LOW] = "halfopen_low",
	[SYNGUARD_A_SYN_RATE_LOW] = "syn_rate_low",
	[SYNGUARD_A_COOLDOWN] = "cooldown",
	[SYNGUARD_A_HALFOPEN_TIMEOUT] = "halfopen_timeout",
	[SYNGUARD_A_TABLE_SIZE] = "table_size",
	[SYNGUARD_A_SOURCE_LIMIT] = "source_limit",
	[SYNGUARD_A_PREFIX4] = "prefix4",
	[SYNGUARD_A_PREFIX6] = "prefix6",
	[SYNGUARD_A_STATE] = "state",
	[SYNGUARD_A_STATS] = "stats",
	[SYNGUARD_A_PORT_RANGE] = "port range",
	[SYNGUARD_A_ALLOW] = "prefix",
	[SYNGUARD_A_SOURCE] = "source",
	[SYNGUARD_A_HALFOPEN] = "halfopen",
	[SYNGUARD_A_LIMIT] = "top",
	[SYNGUARD_A_GATEWAY] = "gateway",
	[SYNGUARD_A_BACKEND] = "backend",
	[SYNGUARD_A_FORWARD] = "prefix",
	[SYNGUARD_A_GATEWAY_TABLE] = "gateway_table",
	[SYNGUARD_A_FORWARD_DEV] = "dev",
};

static const char *const sg_port_range_names[SYNGUARD_A_PORT_RANGE_MAX + 1] = {
	[SYNGUARD_A_PORT_RANGE_FIRST] = "first port",
	[SYNGUARD_A_PORT_RANGE_LAST] = "last port",
};

static const char *const sg_prefix_names[SYNGUARD_A_PREFIX_MAX + 1] = {
	[SYNGUARD_A_PREFIX_FAMILY] = "prefix family",
	[SYNGUARD_A_PREFIX_ADDR] = "prefix address",
	[SYNGUARD_A_PREFIX_LEN] = "prefix length",
	[SYNGUARD_A_PREFIX_COUNT] = "prefix count",
};

static int sg_resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	uint16_t *id = data;

	sg_nl_parse(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		*id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return MNL_CB_OK;
}

int sg_nl_open(struct sg_nl *nl)
{
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = calloc(1, sg_nl_bufsize());
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		ret = -errno;
		sg_err("netlink socket: %s", strerror(errno));
		return ret;
	}
	/* Not fatal: old kernels simply give bare errnos. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		sg_err("netlink bind: %s", strerror(errno));
		return ret;
	}
	nl->seq = time(NULL);

	nl->family = GENL_ID_CTRL;
	nlh = sg_nl_request(nl, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SYNGUARD_FAMILY_NAME);
	nl->family = 0;
	ret = sg_nl_run(nl, nlh, sg_resolve_cb, &nl->family, NULL);
	if (ret == -ENOENT || (!ret && !nl->family)) {
		sg_err("generic netlink family \"%s\" not found: is the synguard module loaded?",
		       SYNGUARD_FAMILY_NAME);
		return -ENOENT;
	}
	if (ret)
		sg_err("cannot resolve the synguard family: %s",
		       strerror(-ret));
	return ret;
}

void sg_nl_close(struct sg_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

struct nlmsghdr *sg_nl_request(struct sg_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->family == GENL_ID_CTRL ? 1 :
			SYNGUARD_FAMILY_VERSION;
	return nlh;
}

struct sg_attr_cb {
	const struct nlattr **tb;
	int max;
};

static int sg_attr_cb(const struct nlattr *attr, void *data)
{
	struct sg_attr_cb *a = data;
	int type = mnl_attr_get_type(attr);

	/* Unknown attributes from a newer kernel are skipped. */
	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

int sg_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, int max)
{
	struct sg_attr_cb a = { tb, max };

	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sg_attr_cb, &a);
}

int sg_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		       int max)
{
	struct sg_attr_cb a = { tb, max };

	return mnl_attr_parse_nested(nest, sg_attr_cb, &a);
}

int sg_nl_parse_part(const struct nlmsghdr *nlh, int type,
		     const struct nlattr **tb, int max)
{
	const struct nlattr *top[SYNGUARD_A_MAX + 1] = { NULL };

	sg_nl_parse(nlh, top, SYNGUARD_A_MAX);
	if (type > SYNGUARD_A_MAX || !top[type])
		return -1;
	return sg_nl_parse_nested(top[type], tb, max) < MNL_CB_OK ? -1 : 0;
}

/* The name of the request attribute that starts at @offs, if any. */
static void sg_attr_at(const struct nlmsghdr *req, uint32_t offs, char *name,
		       size_t size)
{
	const char *base = (const char *)req;
	const struct nlattr *attr, *inner;
	uint16_t type, itype;

	if (req->nlmsg_type == GENL_ID_CTRL)
		return;
	mnl_attr_for_each(attr, req, sizeof(struct genlmsghdr)) {
		const char *const *names = NULL;
		int max = 0;

		type = mnl_attr_get_type(attr);
		if (type > SYNGUARD_A_MAX || !sg_attr_names[type])
			continue;
		if ((const char *)attr - base == offs) {
			snprintf(name, size, "%s", sg_attr_names[type]);
			return;
		}
		if (type == SYNGUARD_A_PORT_RANGE) {
			names = sg_port_range_names;
			max = SYNGUARD_A_PORT_RANGE_MAX;
		} else if (type == SYNGUARD_A_ALLOW ||
			   type == SYNGUARD_A_FORWARD) {
			names = sg_prefix_names;
			max = SYNGUARD_A_PREFIX_MAX;
		}
		if (!names)
			continue;
		mnl_attr_for_each_nested(inner, attr) {
			itype = mnl_attr_get_type(inner);
			if ((const char *)inner - base == offs &&
			    itype <= max && names[itype]) {
				snprintf(name, size, "%s", names[itype]);
				return;
			}
		}
	}
}

/*
 * ", allowed MIN..MAX" or ", at most MAX bytes" from an
 * NLMSGERR_ATTR_POLICY nest, when it has one.
 */
static void sg_policy_range(const struct nlattr *pol, char *out, size_t size)
{
	const struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1] = { NULL };

	sg_nl_parse_nested(pol, tb, NL_POLICY_TYPE_ATTR_MAX);
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
		snprintf(out, size, ", allowed %llu..%llu",
			 (unsigned long long)mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]),
			 (unsigned long long)mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]));
	else if (tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH] &&
		 tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		snprintf(out, size, ", allowed %u..%u bytes",
			 mnl_attr_get_u32(tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH]),
			 mnl_attr_get_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
	else if (tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		snprintf(out, size, ", at most %u bytes",
			 mnl_attr_get_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
}

/* Reports an NLMSG_ERROR (or a failed NLMSG_DONE); returns -errno. */
static int sg_nl_error(const struct nlmsghdr *req, const struct nlmsghdr *nlh,
		       int error, const char *what)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	char attr[64] = "", range[64] = "", prefix[128];
	const char *msg = NULL;
	size_t hlen = 0;

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			hlen = sizeof(struct nlmsgerr);
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				hlen += mnl_nlmsg_get_payload_len(req);
		} else {
			hlen = sizeof(int);
		}
		if (hlen < mnl_nlmsg_get_payload_len(nlh)) {
			struct sg_attr_cb a = { tb, NLMSGERR_ATTR_MAX };

			mnl_attr_parse(nlh, hlen, sg_attr_cb, &a);
		}
	}
	if (!what)
		return error;
	if (tb[NLMSGERR_ATTR_MSG])
		msg = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
	if (tb[NLMSGERR_ATTR_OFFS])
		sg_attr_at(req, mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]),
			   attr, sizeof(attr));
	if (tb[NLMSGERR_ATTR_POLICY])
		sg_policy_range(tb[NLMSGERR_ATTR_POLICY], range,
				sizeof(range));

	snprintf(prefix, sizeof(prefix), "%s%s%s", what, *attr ? ": " : "",
		 attr);
	if (msg && *msg)
		sg_err("%s: %s%s (%s)", prefix, msg, range, strerror(-error));
	else if (error == -EPERM)
		sg_err("%s: %s (needs CAP_NET_ADMIN)", prefix,
		       strerror(-error));
	else
		sg_err("%s: %s", prefix, strerror(-error));
	return error;
}

int sg_nl_run(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      const char *what)
{
	unsigned int portid = mnl_socket_get_portid(nl->sock);
	size_t size = sg_nl_bufsize();
	char *rbuf;
	int ret = 0;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		if (what)
			sg_err("%s: sending the request: %s", what,
			       strerror(errno));
		return ret;
	}
	rbuf = malloc(size);
	if (!rbuf)
		return -ENOMEM;

	for (;;) {
		const struct nlmsghdr *r;
		int len = mnl_socket_recvfrom(nl->sock, rbuf, size);

		if (len < 0) {
			ret = -errno;
			if (what)
				sg_err("%s: %s", what, strerror(errno));
			break;
		}
		for (r = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != nlh->nlmsg_seq ||
			    r->nlmsg_pid != portid)
				continue;
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
					mnl_nlmsg_get_payload(r);

				ret = e->error ?
				      sg_nl_error(nlh, r, e->error, what) : 0;
				goto out;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(r);

				ret = 0;
				if (mnl_nlmsg_get_payload_len(r) >= sizeof(*err) &&
				    *err < 0)
					ret = sg_nl_error(nlh, r, *err, what);
				goto out;
			}
			if (r->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb && cb(r, data) < MNL_CB_OK) {
				ret = -EINVAL;
				if (what)
					sg_err("%s: malformed reply", what);
				goto out;
			}
		}
	}
out:
	free(rbuf);
	return ret;
}
