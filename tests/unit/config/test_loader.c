/* Stack-file cases that need no interpolation or .env: every key, form,
 * default and error of the model (data/<case>/, see loader_cases.h). */
#include "loader_cases.c"

int main(void)
{
	return loader_cases_run("loader", "", "interp_");
}
