/* libFuzzer target for the stack-file loader: any bytes in, and either a
 * model that prints, or at least one FILE:LINE:COL error — never a crash, a
 * leak, or a silent rejection. Seeds: tests/fuzz/corpus/loader/. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config_internal.h"

static void check_diags(const struct cfg_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct cfg_diag *x = &d->v[i];
		if (!x->pos.file || x->pos.line < 1 || x->pos.col < 1 || !x->msg || !*x->msg) {
			fprintf(stderr, "diagnostic without a position or text: %s:%d:%d: %s\n",
				x->pos.file ? x->pos.file : "(null)", x->pos.line, x->pos.col,
				x->msg ? x->msg : "(null)");
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A fixed environment keeps runs reproducible; no .env exists in a
	 * directory that does not exist. */
	char *const env[] = {(char *)"HOME=/home/fuzz", (char *)"IMAGE=busybox",
			     (char *)"EMPTY=", NULL};
	struct cfg_load_opts o = {.file = "fuzz.yaml",
				  .environ = env,
				  .cwd = "/nonexistent-lxr-fuzz",
				  .accept_unsupported = size > 0 && (data[0] & 1)};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;
	int r = cfg_stack_load_text(&o, (const char *)data, size, &st, &d, &err);

	check_diags(&d);
	if (r < 0 && d.n_errors == 0) {
		fprintf(stderr, "rejected without a positioned error: %s\n", err.msg);
		abort();
	}
	if (r == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (!f || cfg_stack_write(f, st,
					  (size && (data[size - 1] & 1)) ? CFG_FORMAT_JSON
									 : CFG_FORMAT_YAML,
					  &err) < 0)
			abort();
		fclose(f);
	}
	cfg_stack_free(st);
	cfg_diags_free(&d);
	return 0;
}
