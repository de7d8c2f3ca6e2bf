/* A build's stages before anything runs: global ARGs in FROM, stage
 * references, --target and what it needs, and every error's position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lxr/build.h"

static int plan(const char *text, char *const *args, const char *target, struct df_file *f,
		struct bld_plan *p, lxr_err *err)
{
	if (df_parse("Dockerfile", text, strlen(text), f, err) < 0)
		fail_msg("parse: %s", err->msg);
	return bld_plan_make(f, args, target, p, err);
}

static const char multi[] = "ARG BASE=busybox\n"
			    "ARG TAG\n"
			    "FROM ${BASE}:${TAG:-1} AS deps\n"
			    "RUN make deps\n"
			    "FROM deps AS Build\n"
			    "COPY --from=0 /a /b\n"
			    "FROM scratch AS unused\n"
			    "FROM alpine:$TARGETOS\n"
			    "COPY --from=build /out /out\n"
			    "COPY --from=nginx:1 /etc/nginx /etc/nginx\n";

static void test_stages(void **state)
{
	(void)state;
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};

	assert_int_equal(plan(multi, NULL, NULL, &f, &p, &err), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.stages[0].base, "busybox:1");
	assert_string_equal(p.stages[0].name, "deps");
	assert_int_equal(p.stages[0].first, 2);
	assert_int_equal(p.stages[0].end, 4);
	assert_int_equal(p.stages[1].base_stage, 0);
	assert_string_equal(p.stages[1].name, "build");
	assert_int_equal(p.stages[1].n_copy_from, 1);
	assert_int_equal(p.stages[1].copy_from[0], 0);
	assert_int_equal(p.stages[2].base_stage, -1);
	assert_string_equal(p.stages[3].base, "alpine:linux");
	assert_int_equal(p.stages[3].n_copy_from, 1); /* nginx:1 is an image */
	assert_int_equal(p.stages[3].copy_from[0], 1);
	assert_int_equal(p.stages[3].end, 10);
	assert_int_equal(p.target, 3);
	assert_true(p.stages[0].needed && p.stages[1].needed && p.stages[3].needed);
	assert_false(p.stages[2].needed);
	assert_string_equal(bld_env_get(p.meta_args, "BASE"), "busybox");
	assert_null(bld_env_get(p.meta_args, "TAG"));
	assert_null(p.unused_args);
	bld_plan_free(&p);
	df_file_free(&f);

	/* --build-arg over the default; --target picks a stage by any case */
	char *args[] = {"TAG=2", "BASE=alpine", "NOPE=1", NULL};
	assert_int_equal(plan(multi, args, "BUILD", &f, &p, &err), 0);
	assert_string_equal(p.stages[0].base, "alpine:2");
	assert_int_equal(p.target, 1);
	assert_true(p.stages[0].needed && p.stages[1].needed);
	assert_false(p.stages[3].needed);
	assert_int_equal(lxr_strv_len(p.unused_args), 1);
	assert_string_equal(p.unused_args[0], "NOPE");
	bld_plan_free(&p);
	df_file_free(&f);
}

static void plan_err(const char *text, const char *target, const char *msg, const char *hint)
{
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};

	assert_int_equal(plan(text, NULL, target, &f, &p, &err), -1);
	assert_string_equal(err.msg, msg);
	if (hint && !strstr(err.hint, hint))
		fail_msg("hint `%s` lacks `%s`", err.hint, hint);
	assert_int_equal(p.n, 0);
	df_file_free(&f);
}

static void test_errors(void **state)
{
	(void)state;
	plan_err("FROM a AS x\nFROM b AS X\n", NULL, "Dockerfile:2:1: a second stage named x",
		 "own name");
	plan_err("ARG B\nFROM $B\n", NULL, "Dockerfile:2:1: FROM $B: the image name is empty",
		 "--build-arg");
	plan_err("FROM ${B\n", NULL, "Dockerfile:1:1: FROM ${B: column 1: missing '}' after ${",
		 NULL);
	plan_err("FROM a AS one\nCOPY --from=1 /a /b\n", NULL,
		 "Dockerfile:2:1: COPY --from=1: stage 1 is not an earlier stage",
		 "counted from 0");
	plan_err("FROM a AS one\nCOPY --from=one /a /b\n", NULL,
		 "Dockerfile:2:1: COPY --from=one: a stage cannot copy from itself", NULL);
	plan_err("FROM a AS one\nFROM b AS two\n", "three",
		 "Dockerfile: target stage three could not be found", "one, two");
	plan_err("FROM a\n", "x", "Dockerfile: target stage x could not be found", "no stage");
	plan_err("ARG V=${X:?needed}\nFROM a\n", NULL, "Dockerfile:1:1: ARG V: column 1: X: needed",
		 NULL);
	/* stages are built in file order: a later stage is not an image to
	 * pull; one that uses this stage back is a cycle */
	plan_err("FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\nCOPY --from=one /y /y\n",
		 NULL,
		 "Dockerfile:2:1: COPY --from=two: a cycle between stages: one uses two (line 3), "
		 "which uses one",
		 "break the cycle");
	plan_err("FROM two AS one\nFROM b AS two\nRUN --mount=from=one,target=/o true\n", NULL,
		 "Dockerfile:1:1: FROM two: a cycle between stages: one uses two (line 2), which "
		 "uses one",
		 "break the cycle");
	plan_err("FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\n", NULL,
		 "Dockerfile:2:1: COPY --from=two: stage two comes later (line 3); a stage uses "
		 "only the stages before it",
		 "move that stage");
	plan_err("FROM one AS one\n", NULL,
		 "Dockerfile:1:1: FROM one AS one: a stage cannot be its own base", NULL);
}

/* docker's warnings for a variable used but not declared: a global ARG a
 * stage does not redeclare, a FROM variable no global ARG declares; not
 * RUN's (the shell's), not one an ENV of the stage or its base sets, not
 * a name the base image's ENV may set */
static void test_undeclared(void **state)
{
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};

	(void)state;
	assert_int_equal(plan("ARG V=1\n"
			      "FROM busybox${NOPE} AS a\n"
			      "ENV P=/p\n"
			      "RUN echo $V\n"
			      "COPY $V /v\n"
			      "FROM a\n"
			      "ARG V\n"
			      "WORKDIR $P/$V/$HOME\n"
			      "FROM busybox\n"
			      "USER $V\n"
			      "LABEL x=$V\n",
			      NULL, NULL, &f, &p, &err),
			 0);
	assert_non_null(p.warnings);
	assert_string_equal(p.warnings[0], "Dockerfile:2:1: FROM uses $NOPE, which no ARG before "
					   "the first FROM declares: it is empty there");
	assert_string_equal(p.warnings[1],
			    "Dockerfile:5:1: COPY uses $V, a global ARG this stage does not "
			    "declare: it is empty here (add `ARG V` to the stage)");
	assert_string_equal(p.warnings[2],
			    "Dockerfile:10:1: USER uses $V, a global ARG this stage does not "
			    "declare: it is empty here (add `ARG V` to the stage)");
	assert_non_null(strstr(p.warnings[3], "Dockerfile:11:1: LABEL uses $V"));
	assert_null(p.warnings[4]);
	bld_plan_free(&p);
	df_file_free(&f);
}

/* FROM --platform: this host's platform (the usual $BUILDPLATFORM) only */
static void test_platform(void **state)
{
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};

	(void)state;
	assert_int_equal(
	    plan("FROM --platform=$BUILDPLATFORM a AS x\nFROM --platform=$TARGETPLATFORM b\n", NULL,
		 NULL, &f, &p, &err),
	    0);
	assert_int_equal(p.n, 2);
	bld_plan_free(&p);
	df_file_free(&f);
	assert_int_equal(plan("FROM --platform=linux/s390x a\n", NULL, NULL, &f, &p, &err), -1);
	assert_non_null(strstr(err.msg, "Dockerfile:1:1: FROM --platform=linux/s390x: lxr builds "
					"for this host's platform"));
	df_file_free(&f);
}

static void test_waves(void **state)
{
	(void)state;
	static const char text[] = "FROM busybox AS a\n"
				   "FROM busybox AS b\n"
				   "FROM a AS c\n"
				   "COPY --from=b /x /x\n"
				   "FROM busybox AS d\n"
				   "RUN --mount=from=c,target=/c true\n"
				   "FROM scratch AS unused\n"
				   "FROM d\n";
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};
	int wave[6];

	assert_int_equal(plan(text, NULL, NULL, &f, &p, &err), 0);
	assert_int_equal(bld_plan_waves(&p, wave), 4);
	assert_int_equal(wave[0], 0); /* a and b need nothing: side by side */
	assert_int_equal(wave[1], 0);
	assert_int_equal(wave[2], 1); /* c: FROM a, COPY --from=b */
	assert_int_equal(wave[3], 2); /* d: RUN --mount from=c */
	assert_int_equal(wave[4], -1);
	assert_int_equal(wave[5], 3);
	bld_plan_free(&p);
	df_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stages),     cmocka_unit_test(test_waves),
	    cmocka_unit_test(test_errors),     cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_undeclared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
