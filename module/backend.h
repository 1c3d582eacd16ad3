/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_BACKEND_H
#define _SG_BACKEND_H

#include <linux/atomic.h>
#include <linux/types.h>

struct net;

/*
 * What the backends behind one gateway destination told us in their
 * SYN-ACKs. Each option is known only from evidence: a SYN-ACK without
 * window scaling says "none" only when the SYN it answers offered it.
 */
#define SG_WS_UNKNOWN	0xff	/* sg_backend_opts.wscale: no evidence */
#define SG_WS_NONE	0x0f	/* the backend does not scale */

#define SG_BE_SACK_YES	0x01
#define SG_BE_SACK_NO	0x02
#define SG_BE_TS	0x04	/* a SYN-ACK carried a timestamp */
#define SG_BE_ECN	0x08	/* a SYN-ACK agreed to ECN */

struct sg_backend_opts {
	u16 mss;		/* 0: no SYN-ACK seen */
	u8 wscale;		/* 0..14, SG_WS_NONE or SG_WS_UNKNOWN */
	u8 flags;		/* SG_BE_* */
};

/* A gateway destination as the client addresses it. */
struct sg_dest {
	__be32 addr[4];
	__be16 port;
	u8 family;
};

enum sg_gw_verdict {
	SG_GW_COOKIE,		/* answer with a cookie, options in @o */
	SG_GW_PASS,		/* let it through: the one SYN to learn from */
	SG_GW_REFUSE,		/* the backend refuses the port: RST */
};

int sg_backend_init(void);
void sg_backend_exit(void);
void sg_backend_forget(const struct net *net);

enum sg_gw_verdict sg_backend_query(const struct net *net,
				    const struct sg_dest *d,
				    struct sg_backend_opts *o, atomic_t *budget);
bool sg_backend_cookies_out(const struct net *net, const struct sg_dest *d);
void sg_backend_learn(const struct net *net, const struct sg_dest *d,
		      const struct sg_backend_opts *o);
void sg_backend_refused(const struct net *net, const struct sg_dest *d);

/* A copy of one destination, for the netlink dump. */
struct sg_backend_view {
	struct sg_dest d;
	struct sg_backend_opts o;
	bool closed;
	u32 age_ms;		/* since the last SYN-ACK or RST */
};

u32 sg_backend_count(const struct net *net);
int sg_backend_walk(const struct net *net, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg);

#endif /* _SG_BACKEND_H */
