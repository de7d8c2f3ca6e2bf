/* lxr_sscanf against glibc's sscanf: for every format lxr reads with (and
 * the corners of each conversion), the same return value and the same
 * values stored, on inputs that match, fall short, overflow a width or
 * end early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lxr/util.h"

/* Every argument slot a case may fill, zeroed before each call; a case's
 * format takes them in this order, with its conversions' types. */
struct slots {
	unsigned long long ull[6];
	char s[4][4096]; /* the widest conversion lxr writes is %4095s */
	int i[4];
};

static int same(const char *input, const char *fmt, int ra, int rb, const struct slots *a,
		const struct slots *b)
{
	if (ra != rb || memcmp(a, b, sizeof(*a))) {
		print_error("\"%s\" on \"%s\": glibc %d, lxr %d\n", fmt, input, ra, rb);
		return 0;
	}
	return 1;
}

/* Each format once with glibc's sscanf into a, once with lxr's into b. */
#define CHECK(input, fmt, ...)                                                                     \
	do {                                                                                       \
		struct slots a_, b_;                                                               \
		memset(&a_, 0, sizeof(a_));                                                        \
		memset(&b_, 0, sizeof(b_));                                                        \
		struct slots *x = &a_;                                                             \
		int ra = sscanf(input, fmt, __VA_ARGS__);                                          \
		x = &b_;                                                                           \
		int rb = lxr_sscanf(input, fmt, __VA_ARGS__);                                      \
		assert_true(same(input, fmt, ra, rb, &a_, &b_));                                   \
	} while (0)

static void numbers(void **state)
{
	static const char *const in[] = {"12 34 56", "  7",        "-5 x",
					 "",         "abc",        "18446744073709551615 1",
					 "0x1f 2",   "99999999999"};
	(void)state;
	for (size_t k = 0; k < sizeof(in) / sizeof(*in); k++) {
		CHECK(in[k], "%llu %llu %llu", &x->ull[0], &x->ull[1], &x->ull[2]);
		CHECK(in[k], "%d %d", &x->i[0], &x->i[1]);
		CHECK(in[k], "%u", (unsigned *)&x->i[0]);
		CHECK(in[k], "%ld", (long *)&x->ull[0]);
		CHECK(in[k], "%llx", &x->ull[0]);
		CHECK(in[k], "%lld", (long long *)&x->ull[0]);
	}
	CHECK("7-9/udp", "%u-%u/%7s", (unsigned *)&x->i[0], (unsigned *)&x->i[1], x->s[0]);
	CHECK("7/tcp", "%u-%u/%7s", (unsigned *)&x->i[0], (unsigned *)&x->i[1], x->s[0]);
	CHECK("7/tcp", "%u/%7s", (unsigned *)&x->i[0], x->s[0]);
	CHECK("10.1.2.3/24", "%u.%u.%u.%u/%u%c", (unsigned *)&x->i[0], (unsigned *)&x->i[1],
	      (unsigned *)&x->i[2], (unsigned *)&x->i[3], (unsigned *)&x->ull[0], x->s[0]);
	CHECK("10.1.2.3/24x", "%u.%u.%u.%u/%u%c", (unsigned *)&x->i[0], (unsigned *)&x->i[1],
	      (unsigned *)&x->i[2], (unsigned *)&x->i[3], (unsigned *)&x->ull[0], x->s[0]);
	CHECK("100000:65536", "%llu:%llu%c", &x->ull[0], &x->ull[1], x->s[0]);
	CHECK("100000:65536z", "%llu:%llu%c", &x->ull[0], &x->ull[1], x->s[0]);
	CHECK("1.2", "%3u.%3u%n", (unsigned *)&x->i[0], (unsigned *)&x->i[1], &x->i[2]);
	CHECK("1234.2", "%3u.%3u%n", (unsigned *)&x->i[0], (unsigned *)&x->i[1], &x->i[2]);
	CHECK("02:42:ac:11:00:02", "%2x:%2x:%2x:%2x:%2x:%2x%n", (unsigned *)&x->i[0],
	      (unsigned *)&x->i[1], (unsigned *)&x->i[2], (unsigned *)&x->i[3],
	      (unsigned *)&x->ull[0], (unsigned *)&x->ull[1], (int *)&x->ull[2]);
	CHECK("fe", "%2x%c", (unsigned *)&x->i[0], x->s[0]);
	CHECK("fe:", "%2x%c", (unsigned *)&x->i[0], x->s[0]);
	CHECK("040x", "%3o", (unsigned *)&x->i[0]);
	CHECK("7:ne:1f:ff", "%u:%15[a-z_]:%llx:%llx%n", (unsigned *)&x->i[0], x->s[0], &x->ull[0],
	      &x->ull[1], &x->i[1]);
	CHECK("7:NE:1f:ff", "%u:%15[a-z_]:%llx:%llx%n", (unsigned *)&x->i[0], x->s[0], &x->ull[0],
	      &x->ull[1], &x->i[1]);
}

static void strings_and_sets(void **state)
{
	(void)state;
	/* /proc/self/mountinfo */
	CHECK("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw",
	      "%*s %*s %u:%u %4095s %4095s", (unsigned *)&x->i[0], (unsigned *)&x->i[1], x->s[0],
	      x->s[1]);
	CHECK("36 35 98:0 /mnt1", "%*s %*s %*s %*s %127s", x->s[0]);
	CHECK("36 35", "%*s %*s %*s %*s %127s", x->s[0]);
	CHECK("", "%*s %*s %*s %*s %127s", x->s[0]);
	/* widths cut, and the rest stays for the next conversion */
	CHECK("abcdefgh ijk", "%3s%s", x->s[0], x->s[1]);
	CHECK("table ip lxr {", "table %127[^{]", x->s[0]);
	CHECK("chain p1234-fwd {", "chain %127[^{ ]", x->s[0]);
	CHECK("chain {", "chain %127[^{ ]", x->s[0]);
	CHECK("P web-1 pulling image x", "P %63s %159[^\n]", x->s[0], x->s[1]);
	CHECK("W web-1", "W %63s", x->s[0]);
	CHECK("  nameserver 10.0.0.1", " nameserver %63s", x->s[0]);
	CHECK("nameserver", " nameserver %63s", x->s[0]);
	CHECK("search x", " nameserver %63s", x->s[0]);
	CHECK("Rss:      1234 kB", "Rss: %ld", (long *)&x->ull[0]);
	CHECK("7f00-7f10 r-xp 00000000 08:01 1234   /usr/bin/x", "%llx-%llx %7s %*s %*s %llu %n",
	      &x->ull[0], &x->ull[1], x->s[0], &x->ull[2], &x->i[0]);
	/* /proc/PID/stat after the comm's ')' */
	CHECK("S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99887766",
	      "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
	      x->s[0], &x->ull[0]);
	CHECK("10.0.0.1 53 53 53 53 udp", "%45s %u %u %u %u %3s", x->s[0], (unsigned *)&x->i[0],
	      (unsigned *)&x->i[1], (unsigned *)&x->i[2], (unsigned *)&x->i[3], x->s[1]);
	CHECK("4242 99", "%d %llu", &x->i[0], &x->ull[0]);
	CHECK("time 1700000000", "time %lld", (long long *)&x->ull[0]);
	CHECK("   ", "%s", x->s[0]);
	CHECK(" -", "%d", &x->i[0]);
	CHECK("", "%c", x->s[0]);
	CHECK("P a \n", "P %63s %159[^\n]", x->s[0], x->s[1]);
	CHECK("]x", "%[]x]", x->s[0]);
	CHECK("a-z", "%[-a]", x->s[0]);
	CHECK("100%", "%d%%", &x->i[0]);
	CHECK("100 %", "%d%%", &x->i[0]);
}

static void fscanf_line(void **state)
{
	char text[] = "0 100000 65536\n5 6 7\n";
	FILE *f = fmemopen(text, strlen(text), "r");
	unsigned long long a = 0, b = 0, c = 0;

	(void)state;
	assert_int_equal(lxr_fscanf_line(f, "%llu %llu %llu", &a, &b, &c), 3);
	assert_true(a == 0 && b == 100000 && c == 65536);
	/* one line each: the next starts where this one ended */
	assert_int_equal(lxr_fscanf_line(f, "%llu", &a), 1);
	assert_true(a == 5);
	assert_int_equal(lxr_fscanf_line(f, "%llu", &a), EOF);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(numbers),
	    cmocka_unit_test(strings_and_sets),
	    cmocka_unit_test(fscanf_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
