/* The device cgroup's rule list -> the state cgroup v1 would hold after it
 * (cgroup.h). Pure: the v1 knob writes (cgroup_plan.c) and the v2 BPF
 * program (cgroup_bpf.c) are both made from this state, and a unit test
 * checks every decision against rt_dev_state_allows without root.
 *
 * The rules follow security/device_cgroup.c: "a" resets the default and
 * drops every exception; otherwise a rule that agrees with the default
 * takes its access away from the identical exception, and one that
 * disagrees adds its access to it (exceptions are never merged with a
 * wildcard one: "c *:* m" and "c 1:3 rwm" stay two entries). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup.h"

/* The kernel's dev_t has 12 bits of major and 20 of minor. */
#define DEV_MAJOR_MAX 4095
#define DEV_MINOR_MAX 1048575

static int rule_error(lxr_err *err, size_t i, const struct lxr_device_rule *r, const char *why)
{
	return lxr_fail(err, EINVAL,
			"device cgroup rule %zu (%s %c %" PRId64 ":%" PRId64 " %.3s): %s", i + 1,
			r->allow ? "allow" : "deny", r->type ? r->type : '?', r->major, r->minor,
			r->access, why);
}

static int check_rule(size_t i, const struct lxr_device_rule *r, unsigned *acc, lxr_err *err)
{
	*acc = 0;
	if (r->type != 'a' && r->type != 'b' && r->type != 'c')
		return rule_error(err, i, r, "the type must be a, b or c");
	if (r->major < -1 || r->major > DEV_MAJOR_MAX)
		return rule_error(err, i, r, "the major number must be -1 (any) or 0..4095");
	if (r->minor < -1 || r->minor > DEV_MINOR_MAX)
		return rule_error(err, i, r, "the minor number must be -1 (any) or 0..1048575");
	for (size_t k = 0; k < sizeof(r->access) && r->access[k]; k++) {
		const char *p = strchr("mrw", r->access[k]);
		if (!p)
			return rule_error(err, i, r, "the access must be made of r, w and m");
		*acc |= 1u << (p - "mrw");
	}
	if (!*acc)
		return rule_error(err, i, r, "the access is empty");
	return 0;
}

static struct rt_dev_exception *find(struct rt_dev_state *st, char type, int64_t major,
				     int64_t minor)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->ex[i].type == type && st->ex[i].major == major && st->ex[i].minor == minor)
			return &st->ex[i];
	return NULL;
}

static void apply(struct rt_dev_state *st, bool allow, char type, int64_t major, int64_t minor,
		  unsigned acc)
{
	struct rt_dev_exception *e = find(st, type, major, minor);

	if (allow != st->allow_all) {
		if (e) {
			e->access |= acc;
			return;
		}
		st->ex = lxr_xrealloc(st->ex, (st->n + 1) * sizeof(*st->ex));
		st->ex[st->n++] = (struct rt_dev_exception){type, major, minor, acc};
		return;
	}
	if (!e)
		return;
	e->access &= ~acc;
	if (!e->access) {
		size_t at = (size_t)(e - st->ex);
		memmove(e, e + 1, (st->n - at - 1) * sizeof(*e));
		st->n--;
	}
}

int rt_dev_state_build(const struct lxr_device_rule *rules, size_t n, struct rt_dev_state *st,
		       lxr_err *err)
{
	memset(st, 0, sizeof(*st));
	st->allow_all = true;
	for (size_t i = 0; i < n; i++) {
		const struct lxr_device_rule *r = &rules[i];
		unsigned acc;

		if (check_rule(i, r, &acc, err) < 0) {
			rt_dev_state_free(st);
			return -1;
		}
		if (r->type == 'a' && r->major == -1 && r->minor == -1 && acc == RT_DEV_ALL) {
			st->allow_all = r->allow;
			st->n = 0;
			continue;
		}
		/* v1 reads any "a ..." line as the reset: a narrower 'a' rule
		 * means its 'b' and 'c' halves */
		if (r->type != 'c')
			apply(st, r->allow, 'b', r->major, r->minor, acc);
		if (r->type != 'b')
			apply(st, r->allow, 'c', r->major, r->minor, acc);
	}
	return 0;
}

void rt_dev_state_free(struct rt_dev_state *st)
{
	free(st->ex);
	st->ex = NULL;
	st->n = 0;
}

static bool matches(const struct rt_dev_exception *e, char type, uint32_t major, uint32_t minor)
{
	return e->type == type && (e->major == -1 || e->major == major) &&
	       (e->minor == -1 || e->minor == minor);
}

bool rt_dev_state_allows(const struct rt_dev_state *st, char type, uint32_t major, uint32_t minor,
			 unsigned access)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct rt_dev_exception *e = &st->ex[i];
		if (!matches(e, type, major, minor))
			continue;
		/* deny-all: one exception must grant the whole request;
		 * allow-all: an exception refusing any part of it wins */
		if (!st->allow_all && !(access & ~e->access))
			return true;
		if (st->allow_all && (access & e->access))
			return false;
	}
	return st->allow_all;
}

static void number(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%" PRId64, v);
}

void rt_dev_exception_format(const struct rt_dev_exception *e, char *buf, size_t len)
{
	char maj[24], min[24], acc[4];
	size_t k = 0;

	number(maj, sizeof(maj), e->major);
	number(min, sizeof(min), e->minor);
	if (e->access & RT_DEV_READ)
		acc[k++] = 'r';
	if (e->access & RT_DEV_WRITE)
		acc[k++] = 'w';
	if (e->access & RT_DEV_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	snprintf(buf, len, "%c %s:%s %s", e->type, maj, min, acc);
}
