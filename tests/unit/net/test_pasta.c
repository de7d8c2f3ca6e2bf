/* Rootless networking: the pasta command line lxr runs for a stack's own
 * namespace (src/net/pasta.c), from its published ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/net.h"
#include "net/net_internal.h"

static char *joined(char **argv)
{
	size_t len = 1;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void no_ports_forwards_nothing_either_way(void **state)
{
	char **argv = net_pasta_argv("/run/x/netns", "/run/x/pasta.pid", NULL, 0);
	char *s = joined(argv);

	assert_string_equal(s, "pasta --config-net --quiet --netns /run/x/netns --pid "
			       "/run/x/pasta.pid -t none -u none -T none -U none");
	free(s);
	lxr_strvfreep(&argv);
}

static void published_ports_become_specs_of_their_own_kind(void **state)
{
	struct net_rl_port p[] = {
	    {.start = 8080, .end = 8080},
	    {.host_ip = "127.0.0.1", .start = 9000, .end = 9003},
	    {.start = 5353, .end = 5353, .udp = true},
	};
	char **argv = net_pasta_argv("/n", "/p", p, 3);
	char *s = joined(argv);

	assert_string_equal(s, "pasta --config-net --quiet --netns /n --pid /p -t 8080 -t "
			       "127.0.0.1/9000-9003 -u 5353 -T none -U none");
	free(s);
	lxr_strvfreep(&argv);
}

static void tcp_only_still_closes_udp(void **state)
{
	struct net_rl_port p[] = {{.start = 80, .end = 80}};
	char **argv = net_pasta_argv("/n", "/p", p, 1);
	char *s = joined(argv);

	assert_non_null(strstr(s, "-t 80 -u none -T none -U none"));
	free(s);
	lxr_strvfreep(&argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_ports_forwards_nothing_either_way),
	    cmocka_unit_test(published_ports_become_specs_of_their_own_kind),
	    cmocka_unit_test(tcp_only_still_closes_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
