/* Stack-file cases that depend on ${VAR} interpolation and the project's
 * .env (data/interp_*): where variables come from (environment over .env),
 * that only values are interpolated, and where the warnings point. The
 * wording of the variable messages belongs to src/config/interpolate.c, so
 * those lines are matched by prefix. */
#include "loader_cases.c"

int main(void)
{
	return loader_cases_run("loader_interp", "interp_", NULL);
}
