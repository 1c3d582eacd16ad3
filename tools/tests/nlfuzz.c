// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: send random requests to the synguard generic netlink family.
 *
 *	nlfuzz [ITERATIONS [SEED]]
 *	nlfuzz --oversize
 *	nlfuzz --churn SECONDS [SEED]
 *
 * Every command (and a few that do not exist), as a do and as a dump,
 * with random flags, header bytes and attributes: random types, lengths
 * and payloads, sometimes well-formed values of the right size, sometimes
 * nests of random children. Replies are read and dropped. The exit
 * status is 0 unless the socket itself fails; what the kernel makes of
 * it is for the caller to check afterwards.
 *
 * --oversize sends every request attribute with a wrong size (too long,
 * much too long, too short; an interface name empty or without its NUL)
 * and fails unless the kernel refuses each one with an error and an
 * extack message.
 *
 * --churn changes the mode, the watermarks and the table size for
 * SECONDS, a new set every one to three milliseconds, each a random
 * subset of them; one in eight puts halfopen_low above halfopen_high on
 * purpose. It keeps its own model of the settings: every valid set must
 * be accepted, every invalid one refused with EINVAL and no effect, and
 * every 16th request (and the last) the settings read back must be the
 * model's. It fails on any difference.
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/synguard.h>

#define BUFSIZE 65536

static char buf[BUFSIZE];

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)random() % n : 0;
}

static void put_random_attr(struct nlmsghdr *nlh, int depth)
{
	static const unsigned int sizes[] = { 0, 1, 2, 3, 4, 5, 8, 16, 17, 64 };
	uint16_t type = rnd(SYNGUARD_A_MAX + 4);
	unsigned int len, i;
	uint8_t data[256];

	if (depth < 2 && rnd(4) == 0) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, type);
		unsigned int n = rnd(5);

		if (rnd(4) == 0)	/* a nest without NLA_F_NESTED */
			nest->nla_type &= ~NLA_F_NESTED;
		for (i = 0; i < n; i++)
			put_random_attr(nlh, depth + 1);
		mnl_attr_nest_end(nlh, nest);
		return;
	}
	len = rnd(8) ? sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))] : rnd(256);
	for (i = 0; i < len; i++)
		data[i] = rnd(4) ? rnd(256) : 0xff;
	/* Plausible values now and then: small numbers, valid prefix bytes. */
	if (len == 4 && rnd(2))
		*(uint32_t *)data = rnd(2) ? rnd(200000) : rnd(8);
	mnl_attr_put(nlh, type, len, data);
}

/*
 * Reads replies until the ACK, error or end of dump for @seq; a request
 * the kernel drops unanswered costs one short timeout.
 */
static void drain(struct mnl_socket *sock, uint32_t seq)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(sock), .events = POLLIN };
	static char rbuf[BUFSIZE];

	while (poll(&pfd, 1, 100) > 0) {
		int len = mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *r;

		if (len <= 0)
			return;
		for (r = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len))
			if (r->nlmsg_seq == seq &&
			    (r->nlmsg_type == NLMSG_ERROR ||
			     r->nlmsg_type == NLMSG_DONE))
				return;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static uint16_t resolve(struct mnl_socket *sock)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	uint16_t id = 0;
	ssize_t len;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SYNGUARD_FAMILY_NAME);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return 0;
	len = mnl_socket_recvfrom(sock, buf, sizeof(buf));
	if (len > 0)
		mnl_cb_run(buf, len, 1, mnl_socket_get_portid(sock),
			   family_cb, &id);
	drain(sock, 1);
	return id;
}

/* Sends @nlh; returns the error the kernel acked with, and its message. */
static int request(struct mnl_socket *sock, struct nlmsghdr *nlh,
		   char *msg, size_t size)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(sock), .events = POLLIN };
	static char rbuf[BUFSIZE];

	*msg = '\0';
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (poll(&pfd, 1, 2000) > 0) {
		int len = mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *r;

		if (len <= 0)
			break;
		for (r = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			const struct nlmsgerr *e;
			const struct nlattr *attr;

			if (r->nlmsg_seq != nlh->nlmsg_seq ||
			    r->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(r);
			if (r->nlmsg_flags & NLM_F_ACK_TLVS)
				mnl_attr_for_each(attr, r, sizeof(*e))
					if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
						snprintf(msg, size, "%s",
							 mnl_attr_get_str(attr));
			return e->error;
		}
	}
	return -ETIMEDOUT;
}

static struct nlmsghdr *start(uint16_t family, uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SYNGUARD_FAMILY_VERSION;
	return nlh;
}

/* Every request attribute with a wrong size must be refused. */
static int oversize(struct mnl_socket *sock, uint16_t family)
{
	static const unsigned int lens[] = { 0, 3, 9, 64, 4000 };
	static uint8_t junk[4096];
	char msg[256];
	uint32_t seq = 100;
	int failed = 0, type, err;
	unsigned int i;

	memset(junk, 0x5a, sizeof(junk));
	for (type = SYNGUARD_A_MODE; type <= SYNGUARD_A_GATEWAY; type++) {
		/* the settings: MODE..PREFIX6, then GATEWAY */
		if (type > SYNGUARD_A_PREFIX6 && type != SYNGUARD_A_GATEWAY)
			continue;
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct nlmsghdr *nlh = start(family,
						     SYNGUARD_CMD_SET_CONFIG,
						     ++seq);

			/* u8 settings: 3 bytes is no u8 either */
			mnl_attr_put(nlh, type, lens[i], junk);
			err = request(sock, nlh, msg, sizeof(msg));
			printf("%s: set attribute %d, %u bytes: %d %s\n",
			       err && *msg ? "PASS" : "FAIL", type, lens[i],
			       err, msg);
			failed += !err || !*msg;
		}
	}
	/* the lists of prefixes: the allowlist, the forward list */
	for (i = 0; i < 6; i++) {
		static const unsigned int alens[] = { 17, 64, 4000 };
		bool fwd = i >= 3;
		struct nlmsghdr *nlh = start(family, fwd ?
					     SYNGUARD_CMD_FORWARD_ADD :
					     SYNGUARD_CMD_ALLOW_ADD, ++seq);
		struct nlattr *nest = mnl_attr_nest_start(nlh, fwd ?
							  SYNGUARD_A_FORWARD :
							  SYNGUARD_A_ALLOW);

		mnl_attr_put_u16(nlh, SYNGUARD_A_PREFIX_FAMILY, 10);
		mnl_attr_put(nlh, SYNGUARD_A_PREFIX_ADDR, alens[i % 3], junk);
		mnl_attr_put_u8(nlh, SYNGUARD_A_PREFIX_LEN, 64);
		mnl_attr_nest_end(nlh, nest);
		err = request(sock, nlh, msg, sizeof(msg));
		printf("%s: %s address of %u bytes: %d %s\n",
		       err && *msg ? "PASS" : "FAIL", fwd ? "forward" : "allow",
		       alens[i % 3], err, msg);
		failed += !err || !*msg;
	}
	for (i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = start(family, SYNGUARD_CMD_PORTS_ADD,
					     ++seq);
		struct nlattr *nest = mnl_attr_nest_start(nlh,
							  SYNGUARD_A_PORT_RANGE);

		mnl_attr_put(nlh, SYNGUARD_A_PORT_RANGE_FIRST, i ? 4000 : 4,
			     junk);
		mnl_attr_nest_end(nlh, nest);
		err = request(sock, nlh, msg, sizeof(msg));
		printf("%s: first port of %u bytes: %d %s\n",
		       err && *msg ? "PASS" : "FAIL", i ? 4000 : 4, err, msg);
		failed += !err || !*msg;
	}
	/*
	 * the forward list's interface names: no byte, an empty name, 16
	 * characters, and junk without a NUL
	 */
	for (i = 0; i < 5; i++) {
		static const char *const names[] = {
			NULL, "", "abcdefghijklmnop", NULL, NULL,
		};
		static const unsigned int dlens[] = { 0, 1, 17, 64, 4000 };
		struct nlmsghdr *nlh = start(family, SYNGUARD_CMD_FORWARD_ADD,
					     ++seq);

		mnl_attr_put(nlh, SYNGUARD_A_FORWARD_DEV, dlens[i],
			     names[i] ? names[i] : (const char *)junk);
		err = request(sock, nlh, msg, sizeof(msg));
		printf("%s: forward interface name of %u bytes: %d %s\n",
		       err && *msg ? "PASS" : "FAIL", dlens[i], err, msg);
		failed += !err || !*msg;
	}
	return failed ? 1 : 0;
}

/* The settings --churn changes, as it believes they are. */
struct churn_cfg {
	uint32_t mode, high, low, table_size;
};

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	struct churn_cfg *c = data;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_payload_len(attr) != sizeof(uint32_t))
			continue;
		switch (mnl_attr_get_type(attr)) {
		case SYNGUARD_A_MODE:
			c->mode = mnl_attr_get_u32(attr);
			break;
		case SYNGUARD_A_HALFOPEN_HIGH:
			c->high = mnl_attr_get_u32(attr);
			break;
		case SYNGUARD_A_HALFOPEN_LOW:
			c->low = mnl_attr_get_u32(attr);
			break;
		case SYNGUARD_A_TABLE_SIZE:
			c->table_size = mnl_attr_get_u32(attr);
			break;
		}
	}
	return MNL_CB_OK;
}

static int get_config(struct mnl_socket *sock, uint16_t family, uint32_t seq,
		      struct churn_cfg *c)
{
	struct nlmsghdr *nlh = start(family, SYNGUARD_CMD_GET_CONFIG, seq);
	static char rbuf[BUFSIZE];
	int len, ret;

	memset(c, 0xff, sizeof(*c));
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, len, seq, mnl_socket_get_portid(sock),
				 config_cb, c);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static bool cfg_same(const struct churn_cfg *a, const struct churn_cfg *b)
{
	return a->mode == b->mode && a->high == b->high && a->low == b->low &&
	       a->table_size == b->table_size;
}

static void cfg_print(const char *what, const struct churn_cfg *c)
{
	printf("  %s: mode %u halfopen_high %u halfopen_low %u table_size %u\n",
	       what, c->mode, c->high, c->low, c->table_size);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Valid and invalid settings every few milliseconds; see the top. */
static int churn(struct mnl_socket *sock, uint16_t family, double seconds)
{
	static const uint32_t sizes[] = { 64, 256, 1000, 4096, 16384, 65536 };
	unsigned long n = 0, applied = 0, refused = 0, reads = 0, bad = 0;
	struct churn_cfg model, got, want;
	double end = now_s() + seconds;
	uint32_t seq = 1000;
	char msg[256];
	int err;

	if (get_config(sock, family, ++seq, &model)) {
		perror("nlfuzz: get config");
		return 1;
	}
	while (now_s() < end) {
		struct nlmsghdr *nlh = start(family, SYNGUARD_CMD_SET_CONFIG,
					     ++seq);
		struct timespec ts = { 0, 1000000 + rnd(2000000) };
		unsigned int pick;
		bool valid;

		want = model;
		do {
			pick = rnd(16);
		} while (!pick);
		if (pick & 1) {
			want.mode = rnd(SYNGUARD_MODE_MAX + 1);
			mnl_attr_put_u32(nlh, SYNGUARD_A_MODE, want.mode);
		}
		if (pick & 2) {
			want.high = 1 + rnd(4096);
			mnl_attr_put_u32(nlh, SYNGUARD_A_HALFOPEN_HIGH,
					 want.high);
		}
		if (pick & 4) {
			/* One in eight above the high watermark, on purpose. */
			want.low = rnd(8) ? rnd(want.high + 1) :
				   want.high + 1 + rnd(100);
			mnl_attr_put_u32(nlh, SYNGUARD_A_HALFOPEN_LOW, want.low);
		}
		if (pick & 8) {
			want.table_size = sizes[rnd(sizeof(sizes) /
						    sizeof(sizes[0]))];
			mnl_attr_put_u32(nlh, SYNGUARD_A_TABLE_SIZE,
					 want.table_size);
		}
		valid = want.low <= want.high;
		err = request(sock, nlh, msg, sizeof(msg));
		n++;
		if (valid && !err) {
			model = want;
			applied++;
		} else if (!valid && err == -EINVAL) {
			refused++;
		} else {
			bad++;
			printf("FAIL: %s set refused or accepted wrongly: %d %s\n",
			       valid ? "valid" : "invalid", err, msg);
			cfg_print("wanted", &want);
			if (get_config(sock, family, ++seq, &model))
				return 1;
		}
		if (n % 16 == 0 || now_s() >= end) {
			if (get_config(sock, family, ++seq, &got)) {
				perror("nlfuzz: get config");
				return 1;
			}
			reads++;
			if (!cfg_same(&got, &model)) {
				bad++;
				printf("FAIL: settings read back differ\n");
				cfg_print("expected", &model);
				cfg_print("read back", &got);
				model = got;
			}
		}
		nanosleep(&ts, NULL);
	}
	printf("nlfuzz: churn: %lu requests in %.1f s, %lu applied, %lu refused as invalid, %lu read back, %lu wrong\n",
	       n, seconds, applied, refused, reads, bad);
	cfg_print("last", &model);
	return bad || !applied ? 1 : 0;
}

int main(int argc, char **argv)
{
	bool oversize_only = argc > 1 && !strcmp(argv[1], "--oversize");
	bool churn_only = argc > 2 && !strcmp(argv[1], "--churn");
	unsigned long iterations = argc > 1 && !oversize_only && !churn_only ?
				   strtoul(argv[1], NULL, 0) : 2000;
	int sarg = churn_only ? 3 : 2;
	unsigned int seed = argc > sarg ? strtoul(argv[sarg], NULL, 0) :
			    (unsigned int)time(NULL);
	struct mnl_socket *sock;
	unsigned long i, sent = 0;
	uint16_t family;
	int one = 1;

	srandom(seed);
	if (churn_only)
		printf("nlfuzz: churn, seed %u\n", seed);
	else if (!oversize_only)
		printf("nlfuzz: seed %u, %lu requests\n", seed, iterations);
	sock = mnl_socket_open(NETLINK_GENERIC);
	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nlfuzz: netlink socket");
		return 1;
	}
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	family = resolve(sock);
	if (!family) {
		fprintf(stderr, "nlfuzz: no synguard family\n");
		return 1;
	}
	if (oversize_only)
		return oversize(sock, family);
	if (churn_only)
		return churn(sock, family, strtod(argv[2], NULL));

	for (i = 0; i < iterations; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct genlmsghdr *g;
		unsigned int n = rnd(6), k;

		nlh->nlmsg_type = family;
		/* Always an ACK, so that every request has an end. */
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		if (rnd(3) == 0)
			nlh->nlmsg_flags |= NLM_F_DUMP;
		if (rnd(16) == 0)
			nlh->nlmsg_flags |= rnd(0x1000);
		nlh->nlmsg_seq = i + 2;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = rnd(SYNGUARD_CMD_MAX + 3);
		g->version = rnd(8) ? SYNGUARD_FAMILY_VERSION : rnd(256);
		g->reserved = rnd(16) ? 0 : rnd(65536);
		for (k = 0; k < n; k++)
			put_random_attr(nlh, 0);
		if (rnd(32) == 0)	/* a truncated message */
			nlh->nlmsg_len -= rnd(nlh->nlmsg_len - sizeof(*nlh) + 1);
		if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) >= 0)
			sent++;
		drain(sock, nlh->nlmsg_seq);
	}
	printf("nlfuzz: %lu of %lu requests sent\n", sent, iterations);
	mnl_socket_close(sock);
	return 0;
}
