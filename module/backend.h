/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_BACKEND_H
#define _SG_BACKEND_H

#include <linux/atomic.h>
#include <linux/types.h>

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
	SG_GW_UNLISTED,		/* ...for a destination with no room */
	SG_GW_PASS,		/* let it through: the one SYN to learn from */
	SG_GW_REFUSE,		/* the backend refuses the port: RST */
};

/* One namespace's destinations (backend.c). */
struct sg_backends;

/* The gateway_table setting: destinations, rounded to a power of two. */
#define SG_BE_MIN_SLOTS		64U
#define SG_BE_MAX_SLOTS		65536U
#define SG_BE_DEFAULT_SLOTS	1024U

u32 sg_backends_round(u32 slots);
struct sg_backends *sg_backends_alloc(u32 slots);
void sg_backends_free(struct sg_backends *t);
u32 sg_backends_slots(const struct sg_backends *t);
void sg_backends_copy(struct sg_backends *to, struct sg_backends *from);
void sg_backends_merge_stamps(struct sg_backends *to,
			      struct sg_backends *from);

enum sg_gw_verdict sg_backend_query(struct sg_backends *t,
				    const struct sg_dest *d,
				    struct sg_backend_opts *o, atomic_t *budget);
bool sg_backend_cookies_out(struct sg_backends *t, const struct sg_dest *d);
void sg_backend_record(struct sg_backends *t, const struct sg_dest *d,
		       const struct sg_backend_opts *o);

/* A backend's answer before its namespace's table was made (gateway.c). */
struct sg_backend_sample {
	struct sg_dest d;
	struct sg_backend_opts o;
	bool refused;
};

/* A copy of one destination, for the netlink dump. */
struct sg_backend_view {
	struct sg_dest d;
	struct sg_backend_opts o;
	bool closed;
	u32 age_ms;		/* since the last SYN-ACK or RST */
};

u32 sg_backend_count(struct sg_backends *t);
int sg_backend_walk(struct sg_backends *t, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg);

#endif /* _SG_BACKEND_H */
