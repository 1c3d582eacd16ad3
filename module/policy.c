// SPDX-License-Identifier: GPL-2.0
/*
 * When a namespace in `auto` answers SYNs with cookies: on evidence of a
 * flood, not on volume.
 *
 * A legitimate half-open completes within a round trip; a flood's never
 * does. By Little's law the half-opens that legitimate clients hold at
 * any time are the rate of completed handshakes times the time they
 * took, that is the milliseconds completed handshakes took per second
 * (counter handshake_ms) divided by 1000. The policy work measures that
 * each second and keeps its recent peak, decaying by an eighth a second
 * and never while cookie mode is on: halfopen_expected is twice that.
 *
 * Cookie mode starts on the packet path, at once, for a SYN that would
 * otherwise be tracked, when
 *   - the namespace tracks halfopen_high + halfopen_expected half-opens
 *     (reason "halfopens": more than its completed handshakes explain);
 *   - or the table, at least half full, has no free slot for it (reason
 *     "table_full"; in a table less full a full bucket is a collision,
 *     and the SYN goes to the kernel untracked).
 * Two narrower answers never switch the namespace:
 *   - a listener whose own SYN queue is full gets a cookie for the SYN,
 *     exactly when the kernel would have sent one (listener_full), with
 *     the kernel's log line and an event when it starts and ends
 *     (backlog.c, whose events this work sends);
 *   - a source prefix holding source_limit half-opens, plus its credit
 *     for the handshakes it completed lately (halfopen.c), gets cookies
 *     for its own SYNs.
 *
 * In cookie mode the evidence is per destination port: each second the
 * policy work exempts the ports (by slot, sg_port_slot()) whose cookies
 * came back, at least half of them and all but syn_rate_low a second.
 * A busy port's SYNs are then tracked again while the flooded port's
 * keep getting cookies. If the tracked half-opens reach twice the
 * watermark (the exempt ports' own half-opens, until the next second
 * learns them, may pass it once), every port gets cookies until the
 * next second's evidence.
 *
 * Cookie mode ends in the policy work: after `cooldown` consecutive
 * seconds in which fewer than syn_rate_low cookies went unanswered (sent
 * but never returned as a valid ACK) and at most halfopen_low half-opens
 * more than halfopen_expected remained tracked. A busy server's cookies
 * come back; a flood's do not.
 *
 * In `monitor` the same state is kept and shown, but never acted upon.
 *
 * The work also tells: an event to the "events" multicast group of the
 * namespace and a kernel log line when cookie mode starts (seen by the
 * next run, within a second) and when it ends, with the busiest
 * destination ports (portstat.c); an event when SYNs found the table
 * full, and one naming a source prefix that reached its limit, each at
 * most once a second, whatever the flood. The packet path only leaves
 * a mark for it (sg_policy_table_full(), sg_policy_source_limited()).
 * The log lines of all namespaces share one rate limit, for "entered"
 * lines only: a "left" line is printed exactly when its "entered" line
 * was, so that the log never shows a flood without its end.
 *
 * A namespace with nothing to do (no SYN, nothing tracked, no episode
 * open, nothing learned left to decay) for SG_POLICY_QUIET runs has its
 * work run only every SG_POLICY_IDLE_PERIOD, until its next SYN brings
 * it forward (sg_policy_kick()): a host with many idle namespaces (a
 * container each) is not woken for each every second. The long period
 * stays as a backstop: a SYN counted just as the work went quiet may
 * miss the kick, and its half-open is then expired that much later.
 */

#include <linux/jiffies.h>
#include <linux/ratelimit.h>
#include <linux/workqueue.h>
#include <net/tcp.h>

#include "backend.h"
#include "backlog.h"
#include "events.h"
#include "filter.h"
#include "halfopen.h"
#include "policy.h"
#include "portstat.h"

void sg_config_defaults(struct sg_config *cfg)
{
	*cfg = (struct sg_config) {
		.mode = SYNGUARD_MODE_AUTO,
		.halfopen_high = 128,
		.halfopen_low = 32,
		.syn_rate_low = 100,
		.cooldown = 5,
		.halfopen_timeout = 5000,
		.table_size = SG_DEFAULT_TABLE_SIZE,
		.source_limit = 64,
		.prefix4 = 32,
		.prefix6 = 64,
		.gateway = 1,
		.gateway_table = SG_BE_DEFAULT_SLOTS,
	};
}

int sg_mode_parse(const char *s)
{
	static const char *const names[] = {
		[SYNGUARD_MODE_OFF] = "off",
		[SYNGUARD_MODE_MONITOR] = "monitor",
		[SYNGUARD_MODE_AUTO] = "auto",
		[SYNGUARD_MODE_ALWAYS] = "always",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (sysfs_streq(s, names[i]))
			return i;
	return -EINVAL;
}

void sg_policy_enter(struct sg_net *sn, u8 reason)
{
	/* Many CPUs may see the evidence at once; count one entry. */
	if (!READ_ONCE(sn->under_attack) &&
	    !cmpxchg(&sn->under_attack, false, true)) {
		WRITE_ONCE(sn->reason, reason);
		this_cpu_inc(sn->stats->c[SG_STAT_COOKIE_MODE_ENTRIES]);
	}
}

/* From the packet path: a source prefix holds its limit of half-opens. */
void sg_policy_source_limited(struct sg_net *sn, const struct sg_tuple *t)
{
	if (atomic_read(&sn->limited_state) != SG_LIMITED_FREE ||
	    atomic_cmpxchg(&sn->limited_state, SG_LIMITED_FREE,
			   SG_LIMITED_WRITING) != SG_LIMITED_FREE)
		return;
	sn->limited_family = t->family;
	memcpy(sn->limited_saddr, t->saddr, sizeof(sn->limited_saddr));
	atomic_set_release(&sn->limited_state, SG_LIMITED_READY);
}

void sg_policy_rearm(struct sg_net *sn)
{
	if (READ_ONCE(sn->ports_calm))
		WRITE_ONCE(sn->ports_calm, 0);
}

/* Cookies a port slot must have sent in a second to be judged on them. */
#define SG_PORT_EVIDENCE 16

static_assert(SG_PORT_SLOTS <= BITS_PER_LONG);	/* sg_net.ports_calm */

/*
 * In cookie mode (@judge), the ports whose cookies came back in the last
 * second: at least half of those sent, and all but syn_rate_low, of at
 * least SG_PORT_EVIDENCE. A slot that sent fewer keeps what it was: a
 * port with a handful of clients loses nothing to cookies, and a handful
 * is no evidence. Out of cookie mode the counts are only taken, so that
 * the first judgement covers one second.
 */

static void sg_policy_ports(struct sg_net *sn, bool judge)
{
	u32 low = READ_ONCE(sn->cfg.syn_rate_low);
	unsigned long calm = READ_ONCE(sn->ports_calm);
	u32 i, sent, validated, s, v;
	int cpu;

	for (i = 0; i < SG_PORT_SLOTS; i++) {
		sent = 0;
		validated = 0;
		for_each_possible_cpu(cpu) {
			const struct sg_stats *st = per_cpu_ptr(sn->stats, cpu);

			sent += READ_ONCE(st->port_sent[i]);
			validated += READ_ONCE(st->port_validated[i]);
		}
		s = sent - sn->last_port_sent[i];
		v = validated - sn->last_port_validated[i];
		sn->last_port_sent[i] = sent;
		sn->last_port_validated[i] = validated;
		if (!judge || s < SG_PORT_EVIDENCE)
			continue;
		if (v >= s / 2 && s - min(v, s) < low)
			calm |= BIT(i);
		else
			calm &= ~BIT(i);
	}
	if (judge)
		WRITE_ONCE(sn->ports_calm, calm);
}

/* How far counter @idx moved since the last second; remembers it. */
static u64 sg_policy_delta(struct sg_net *sn, enum sg_stat idx)
{
	u64 now = sg_stat_sum(sn, idx), d = now - sn->last[idx];

	sn->last[idx] = now;
	return d;
}

/*
 * The legitimate half-opens of the last second (x16, Little's law, see
 * the top), and what the packet path may tolerate on top of the
 * watermark.
 */
static void sg_policy_learn(struct sg_net *sn, u64 handshake_ms)
{
	u32 now_x16 = min_t(u64, handshake_ms * 16 / MSEC_PER_SEC, U32_MAX / 2);

	/*
	 * In cookie mode only exempt ports are tracked: what they show adds
	 * to what was learned before, nothing is forgotten. A flood adds
	 * nothing either way, since its half-opens never complete.
	 */
	if (READ_ONCE(sn->under_attack))
		sn->legit_x16 = max(now_x16, sn->legit_x16);
	else
		sn->legit_x16 = max(now_x16,
				    sn->legit_x16 - sn->legit_x16 / 8);
	WRITE_ONCE(sn->halfopen_expected, sn->legit_x16 * 2 / 16);
}

/* Events and log lines ---------------------------------------------- */

/* The busiest ports an event or a log line names. */
#define SG_EVENT_PORTS 4

/* "Entered" lines of all namespaces; see the top. */
static DEFINE_RATELIMIT_STATE(sg_mode_log_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

static const char *sg_reason_name(u32 reason)
{
	switch (reason) {
	case SYNGUARD_REASON_HALFOPENS:
		return "halfopens";
	case SYNGUARD_REASON_TABLE_FULL:
		return "table_full";
	}
	return "none";
}

/* "8080 (25000/s), 22 (3/s)", or with @episode "8080 (1200 SYNs)". */
static void sg_ports_line(char *buf, size_t size,
			  const struct sg_port_view *v, unsigned int n,
			  bool episode)
{
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, size - len, "%s%u (%llu%s)",
				 i ? ", " : "", v[i].port,
				 episode ? v[i].episode :
					   (u64)v[i].rate[SG_PORT_SYN],
				 episode ? " SYNs" : "/s");
	if (!n)
		scnprintf(buf, size, "none");
}

static void sg_policy_entered(struct sg_net *sn)
{
	struct sg_port_view v[SG_EVENT_PORTS];
	struct sg_event ev = {
		.type = SYNGUARD_EVENT_COOKIE_MODE_ENTERED,
		.reason = READ_ONCE(sn->reason),
		.syn_rate = sn->syn_rate,
		.halfopen = sg_halfopen_count(sn),
		.ports = v,
	};
	char ports[128];

	/* The ports that had SYNs in the second it began. */
	ev.nports = sg_portstat_top(sn, v, ARRAY_SIZE(v), false);
	while (ev.nports && !v[ev.nports - 1].rate[SG_PORT_SYN])
		ev.nports--;
	sn->attack_reported = true;
	sg_event_send(sn, &ev);

	sn->attack_logged = __ratelimit(&sg_mode_log_rs);
	if (!sn->attack_logged)
		return;
	sg_ports_line(ports, sizeof(ports), v, ev.nports, false);
	pr_info("net:[%u]: cookie mode entered (%s%s), %u SYN/s, %u half-open; busiest ports: %s\n",
		sn->net->ns.inum, sg_reason_name(ev.reason),
		READ_ONCE(sn->cfg.mode) == SYNGUARD_MODE_MONITOR ?
		", monitor: no cookies sent" : "",
		ev.syn_rate, ev.halfopen, ports);
}

static void sg_policy_left(struct sg_net *sn)
{
	struct sg_port_view v[SG_EVENT_PORTS];
	struct sg_event ev = {
		.type = SYNGUARD_EVENT_COOKIE_MODE_LEFT,
		.syn_rate = sn->syn_rate,
		.halfopen = sg_halfopen_count(sn),
		.duration = (jiffies - sn->attack_since) / HZ,
		.ports = v,
	};
	char ports[128];
	unsigned int i;

	ev.nports = sg_portstat_top(sn, v, ARRAY_SIZE(v), true);
	/* The event's SYNS of a port are those of the episode (uAPI). */
	for (i = 0; i < ev.nports; i++)
		v[i].total[SG_PORT_SYN] = v[i].episode;
	sn->attack_reported = false;
	sg_event_send(sn, &ev);

	if (!sn->attack_logged)
		return;
	sn->attack_logged = false;
	sg_ports_line(ports, sizeof(ports), v, ev.nports, true);
	pr_info("net:[%u]: cookie mode left after %u s, %llu cookies sent, %llu validated; busiest ports: %s\n",
		sn->net->ns.inum, ev.duration,
		sg_stat_sum(sn, SG_STAT_COOKIES_SENT) - sn->attack_sent,
		sg_stat_sum(sn, SG_STAT_COOKIES_VALIDATED) -
		sn->attack_validated, ports);
}

/* Cookie mode began since the last run: its episode starts now. */
static void sg_policy_episode_start(struct sg_net *sn)
{
	sn->attack_since = jiffies;
	sn->attack_sent = sg_stat_sum(sn, SG_STAT_COOKIES_SENT);
	sn->attack_validated = sg_stat_sum(sn, SG_STAT_COOKIES_VALIDATED);
	sg_portstat_episode_start(sn);
}

/* The table-full and source-limit events, at most one each a second. */
static void sg_policy_limits(struct sg_net *sn)
{
	u64 full = sg_policy_delta(sn, SG_STAT_TABLE_FULL);
	u64 limited = sg_policy_delta(sn, SG_STAT_SOURCE_LIMIT_HITS);
	struct sg_event ev = {
		.syn_rate = sn->syn_rate,
		.halfopen = sg_halfopen_count(sn),
	};
	struct sg_prefix p = { };

	if (READ_ONCE(sn->table_full_seen)) {
		WRITE_ONCE(sn->table_full_seen, false);
		ev.type = SYNGUARD_EVENT_TABLE_FULL;
		ev.count = min_t(u64, full, U32_MAX);
		sg_event_send(sn, &ev);
	}
	if (atomic_read_acquire(&sn->limited_state) == SG_LIMITED_READY) {
		p.family = sn->limited_family;
		p.len = p.family == AF_INET ? READ_ONCE(sn->cfg.prefix4) :
					      READ_ONCE(sn->cfg.prefix6);
		memcpy(p.addr, sn->limited_saddr, sizeof(p.addr));
		atomic_set_release(&sn->limited_state, SG_LIMITED_FREE);
		ev.type = SYNGUARD_EVENT_SOURCE_LIMIT;
		ev.count = min_t(u64, limited, U32_MAX);
		ev.source = &p;
		sg_event_send(sn, &ev);
	}
}

#define SG_POLICY_QUIET		4
#define SG_POLICY_IDLE_PERIOD	(60 * HZ)

/* Whether this run found nothing for the next one to do. */
static bool sg_policy_quiet(struct sg_net *sn, bool attack)
{
	return !attack && !sn->attack_reported && !READ_ONCE(sn->syn_rate) &&
	       !READ_ONCE(sn->halfopen_expected) && !sg_halfopen_count(sn) &&
	       !READ_ONCE(sn->table_full_seen) &&
	       atomic_read(&sn->limited_state) == SG_LIMITED_FREE &&
	       sg_backlog_idle(sn);
}

static void sg_policy_work(struct work_struct *work)
{
	struct sg_net *sn = container_of(to_delayed_work(work), struct sg_net,
					 policy_work);
	u64 sent, validated, handshake_ms;
	unsigned int expired;
	bool attack = false;

	/* Off: the hooks count nothing, and nothing is tracked to expire. */
	if (READ_ONCE(sn->cfg.mode) == SYNGUARD_MODE_OFF)
		goto out;

	/* Gateway destinations to learn from: a few new ones a second. */
	atomic_set(&sn->gw_learn_budget, SG_GW_LEARN_PER_SEC);

	expired = sg_halfopen_expire(sn, &sn->expire_cursor);
	if (expired)
		this_cpu_add(sn->stats->c[SG_STAT_HALFOPEN_EXPIRED], expired);

	WRITE_ONCE(sn->syn_rate, sg_policy_delta(sn, SG_STAT_SYN_RECEIVED));
	handshake_ms = sg_policy_delta(sn, SG_STAT_HANDSHAKE_MS);
	sent = sg_policy_delta(sn, SG_STAT_COOKIES_SENT);
	validated = sg_policy_delta(sn, SG_STAT_COOKIES_VALIDATED);
	WRITE_ONCE(sn->unanswered_rate,
		   min_t(u64, sent > validated ? sent - validated : 0,
			 U32_MAX));
	sg_policy_learn(sn, handshake_ms);

	/*
	 * One look at the flag for the whole run: the packet path may set
	 * it any time, and an end must never be decided, nor told, for a
	 * start that was not.
	 */
	attack = READ_ONCE(sn->under_attack);
	sg_policy_ports(sn, attack);
	if (attack && !sn->attack_reported)
		sg_policy_episode_start(sn);
	sg_portstat_second(sn, attack);
	if (attack && !sn->attack_reported)
		sg_policy_entered(sn);
	sg_policy_limits(sn);

	if (attack) {
		if (sn->unanswered_rate < READ_ONCE(sn->cfg.syn_rate_low) &&
		    sg_halfopen_count(sn) <= READ_ONCE(sn->cfg.halfopen_low) +
					     READ_ONCE(sn->halfopen_expected))
			sn->calm_seconds++;
		else
			sn->calm_seconds = 0;
		if (sn->calm_seconds >= READ_ONCE(sn->cfg.cooldown)) {
			WRITE_ONCE(sn->reason, SYNGUARD_REASON_NONE);
			WRITE_ONCE(sn->ports_calm, 0);
			WRITE_ONCE(sn->under_attack, false);
			sn->calm_seconds = 0;
			this_cpu_inc(sn->stats->c[SG_STAT_COOKIE_MODE_EXITS]);
			sg_policy_left(sn);
		}
	}
out:
	/*
	 * With this second's SYN rate; in every mode, so that a full
	 * listener's episode ends once synguard is off too.
	 */
	sg_backlog_second(sn);
	if (!sg_policy_quiet(sn, attack))
		sn->quiet_runs = 0;
	else if (sn->quiet_runs < SG_POLICY_QUIET)
		sn->quiet_runs++;
	if (sn->quiet_runs >= SG_POLICY_QUIET) {
		atomic_set(&sn->policy_idle, 1);
		queue_delayed_work(system_power_efficient_wq, &sn->policy_work,
				   SG_POLICY_IDLE_PERIOD);
		return;
	}
	/* Every SYN reads it: written only when the backstop, not a SYN, woke us. */
	if (atomic_read(&sn->policy_idle))
		atomic_set(&sn->policy_idle, 0);
	queue_delayed_work(system_power_efficient_wq, &sn->policy_work, HZ);
}

void sg_policy_init(struct sg_net *sn)
{
	/* No cookie is out yet: make the last one older than its validity. */
	sn->last_cookie = jiffies - TCP_SYNCOOKIE_VALID - 1;
	sn->last_gw_cookie = jiffies - SG_GW_COOKIE_OUT;
	atomic_set(&sn->gw_learn_budget, SG_GW_LEARN_PER_SEC);
	atomic_set(&sn->policy_idle, 0);
	INIT_DELAYED_WORK(&sn->policy_work, sg_policy_work);
	queue_delayed_work(system_power_efficient_wq, &sn->policy_work, HZ);
}

void sg_policy_stop(struct sg_net *sn)
{
	cancel_delayed_work_sync(&sn->policy_work);
	/* The namespace or the module goes: a flood told of is over. */
	if (sn->attack_logged)
		pr_info("net:[%u]: cookie mode left: synguard stops in this namespace\n",
			sn->net->ns.inum);
	sn->attack_logged = false;
}
