/* A mapping's plain value as compose-go hands it on (go-yaml's typing of a
 * plain scalar, then fmt.Sprint): each row is what a stack file says and
 * what `docker compose config` prints for it, or NULL where the text stays
 * as written. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config_internal.h"

static const struct {
	const char *in, *want;
} rows[] = {
    /* go-yaml's words */
    {"true", "true"},
    {"False", "false"},
    {"TRUE", "true"},
    {"yes", NULL}, /* YAML 1.1's, not go-yaml's: a string */
    {"on", NULL},
    {".inf", "+Inf"},
    {"-.Inf", "-Inf"},
    {".NaN", "NaN"},
    {"-0", "-0"},
    /* integers: ParseInt(s, 0, 64), underscores dropped */
    {"42", "42"},
    {"+12", "12"},
    {"-7", "-7"},
    {"022", "18"},
    {"0o755", "493"},
    {"0x1F", "31"},
    {"0b101", "5"},
    {"1_000", "1000"},
    {"0", "0"},
    {"00", "0"},
    {"-00", "0"}, /* the int 0: no sign */
    {"-0x0", "0"},
    {"9223372036854775807", "9223372036854775807"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"18446744073709551615", "18446744073709551615"}, /* ParseUint */
    /* floats: yamlStyleFloat, printed shortest, %e from 1e6 and under 1e-4 */
    {"08", "8"}, /* no octal: a float */
    {"1.50", "1.5"},
    {"1.0", "1"},
    {"1.", "1"},
    {".5", "0.5"},
    {"1e3", "1000"},
    {"2.10", "2.1"},
    {"123456", "123456"},
    {"1e6", "1e+06"},
    {"1234567.5", "1.2345675e+06"},
    {"0.0001", "0.0001"},
    {"0.00001", "1e-05"},
    {"-2.5e-3", "-0.0025"},
    {"99999999999999999999", "1e+20"},
    {"0.1", "0.1"},
    {"0.30000000000000004", "0.30000000000000004"},
    {"1e400", NULL}, /* ParseFloat's range error: a string */
    {"-1e400", NULL},
    {".5e999", NULL},
    {"1e-400", "0"}, /* underflow is no error */
    /* timestamps: the date-only form */
    {"2024-01-31", "2024-01-31 00:00:00 +0000 UTC"},
    {"2024-1-5", "2024-01-05 00:00:00 +0000 UTC"},
    {"2023-02-29", NULL},
    /* strings */
    {"1.2.3", NULL},
    {"12abc", NULL},
    {"0x", NULL},
    {"0xZZ", NULL},
    {"-", NULL},
    {"+", NULL},
    {".", NULL},
    {"1e", NULL},
    {"v1.0", NULL},
    {"127.0.0.1", NULL},
    {"10:30", NULL},
    {"${X}", NULL},
    {"hello", NULL},
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = cfg_go_plain_text(rows[i].in);
		if (!rows[i].want) {
			if (got)
				fail_msg("%s: got \"%s\", want the text as written", rows[i].in,
					 got);
		} else if (!got || strcmp(got, rows[i].want)) {
			fail_msg("%s: got %s%s%s, want \"%s\"", rows[i].in, got ? "\"" : "",
				 got ? got : "NULL", got ? "\"" : "", rows[i].want);
		}
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_rows)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
