/* runtime: the user namespace range pool's text formats, without root:
 * lxr's line of /etc/subuid, and which slot a container takes. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

static void subid_lines(void **state)
{
	uint32_t start = 0, count = 0;

	(void)state;
	assert_int_equal(rt_userns_subid_find("alice:100000:65536\nlxr:2000000:1000000\n", "lxr",
					      &start, &count),
			 0);
	assert_int_equal(start, 2000000);
	assert_int_equal(count, 1000000);
	/* a longer name that starts with "lxr" is someone else's */
	assert_int_equal(rt_userns_subid_find("lxrx:5:6\n", "lxr", &start, &count), -1);
	/* the host's id 0 is never in a range, nor a range past 2^32 */
	assert_int_equal(rt_userns_subid_find("lxr:0:65536\n", "lxr", &start, &count), -1);
	assert_int_equal(rt_userns_subid_find("lxr:4294967295:2\n", "lxr", &start, &count), -1);
	assert_int_equal(rt_userns_subid_find("", "lxr", &start, &count), -1);
}

static void slots(void **state)
{
	bool found;

	(void)state;
	/* an empty pool: the first slot */
	assert_int_equal(rt_userns_slot_pick("", "p/web-1", 4, &found), 0);
	assert_false(found);
	/* a container keeps its slot (a restart, a reboot) */
	assert_int_equal(rt_userns_slot_pick("0 p/db-1\n2 p/web-1\n", "p/web-1", 4, &found), 2);
	assert_true(found);
	/* a new one takes the lowest free; a prefix of a key is not the key */
	assert_int_equal(rt_userns_slot_pick("0 p/db-1\n2 p/web-1\n", "p/web", 4, &found), 1);
	assert_false(found);
	/* all taken */
	assert_int_equal(rt_userns_slot_pick("0 a\n1 b\n", "c", 2, &found), -1);
	/* a slot past the pool (the pool shrank) frees nothing inside it */
	assert_int_equal(rt_userns_slot_pick("7 a\n", "c", 2, &found), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(subid_lines),
	    cmocka_unit_test(slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
