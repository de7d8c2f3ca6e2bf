/* RUN --mount, --network and --secret values as BuildKit and buildx read
 * them (defaults, errors), a RUN --mount's stage dependency and its error
 * position in the plan, and ADD's URL names and git detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build/build_internal.h"

static struct bld_mount parse_ok(const char *v)
{
	struct bld_mount m;
	lxr_err err = {0};

	if (bld_mount_parse(v, &m, &err) < 0)
		fail_msg("%s: %s", v, err.msg);
	return m;
}

static const char *parse_err(const char *v)
{
	static lxr_err err;
	struct bld_mount m;

	memset(&err, 0, sizeof(err));
	if (bld_mount_parse(v, &m, &err) == 0)
		fail_msg("%s: parsed", v);
	return err.msg;
}

static void test_mount_defaults(void **state)
{
	(void)state;
	struct bld_mount m = parse_ok("target=/src");

	assert_int_equal(m.type, BLD_MOUNT_BIND);
	assert_true(m.readonly); /* a bind is read-only unless rw */
	assert_null(m.from);
	bld_mount_free(&m);

	m = parse_ok("type=bind,from=build,src=/out,dst=/in,rw");
	assert_false(m.readonly);
	assert_string_equal(m.from, "build");
	assert_string_equal(m.source, "/out");
	assert_string_equal(m.target, "/in");
	bld_mount_free(&m);

	m = parse_ok("type=cache,target=/root/.cache");
	assert_int_equal(m.type, BLD_MOUNT_CACHE);
	assert_false(m.readonly);
	assert_string_equal(m.id, "/root/.cache"); /* the id defaults to the target */
	assert_int_equal(m.sharing, BLD_SHARE_SHARED);
	assert_int_equal(m.mode, -1);
	bld_mount_free(&m);

	/* the type decides wherever it is written; keys are case-blind */
	m = parse_ok("Target=/c,sharing=locked,TYPE=cache,id=go,mode=0700,uid=1000,gid=1000,ro");
	assert_int_equal(m.sharing, BLD_SHARE_LOCKED);
	assert_int_equal(m.mode, 0700);
	assert_int_equal(m.uid, 1000);
	assert_int_equal(m.gid, 1000);
	assert_true(m.readonly);
	assert_string_equal(m.id, "go");
	bld_mount_free(&m);

	m = parse_ok("type=tmpfs,target=/t,size=64m");
	assert_int_equal(m.size, 64LL << 20);
	bld_mount_free(&m);
	m = parse_ok("type=tmpfs,target=/t,size=1.5g");
	assert_int_equal(m.size, 3LL << 29);
	bld_mount_free(&m);

	m = parse_ok("type=secret,id=npmrc");
	assert_string_equal(m.target, "/run/secrets/npmrc");
	assert_true(m.readonly);
	assert_false(m.required);
	bld_mount_free(&m);
	m = parse_ok("type=secret,target=/root/.npmrc,required");
	assert_string_equal(m.id, ".npmrc"); /* the id from the target */
	assert_true(m.required);
	bld_mount_free(&m);
	m = parse_ok("type=secret,id=tok,env=TOKEN,required=false");
	assert_null(m.target); /* env= alone mounts no file */
	assert_string_equal(m.env, "TOKEN");
	bld_mount_free(&m);
	/* a quoted field may hold a comma */
	m = parse_ok("type=cache,\"target=/a,b\"");
	assert_string_equal(m.target, "/a,b");
	bld_mount_free(&m);
}

static void test_mount_errors(void **state)
{
	(void)state;
	assert_non_null(strstr(parse_err("type=nfs,target=/x"), "unsupported mount type \"nfs\""));
	assert_non_null(strstr(parse_err("type=ssh"), "type=ssh is not supported"));
	assert_non_null(strstr(parse_err("type=cache,target=/c,sharing=sometimes"),
			       "unsupported sharing value \"sometimes\""));
	assert_non_null(strstr(parse_err("target=/c,sharing=locked"),
			       "unexpected key 'sharing' for mount type 'bind'"));
	assert_non_null(strstr(parse_err("type=bind,target=/c,mode=0700"),
			       "mode not allowed for \"bind\" type mounts"));
	assert_non_null(strstr(parse_err("type=cache,target=/c,mode=9"), "not an octal mode"));
	assert_non_null(
	    strstr(parse_err("type=cache,target=/c,uid=-1"), "--mount uid=-1: not a number"));
	assert_non_null(strstr(parse_err("type=tmpfs,target=/t,size=lots"), "not a size"));
	assert_non_null(strstr(parse_err("type=cache"), "type=cache needs a target"));
	assert_non_null(strstr(parse_err("type=cache,target=/c,nonsense=1"),
			       "unexpected key 'nonsense' in 'nonsense=1'"));
	assert_non_null(
	    strstr(parse_err("type=cache,target=/c,from"), "'from' must be a key=value pair"));
	assert_non_null(strstr(parse_err("type=secret,id=x,source=/f"), "takes no source"));
	assert_non_null(strstr(parse_err("type=secret"), "needs id= or target="));
	assert_non_null(strstr(parse_err("type=bind,target=/x,env=A"), "unexpected key 'env'"));
	assert_non_null(strstr(parse_err("target=/x,required"), "unexpected key 'required'"));
	assert_non_null(strstr(parse_err("target=/x,ro=maybe"), "not true or false"));
	assert_non_null(strstr(parse_err("\"target=/x"), "unterminated quote"));
	assert_non_null(strstr(parse_err("target=\"/x\""), "a quote inside an unquoted field"));
}

static void test_secret_and_network(void **state)
{
	(void)state;
	struct bld_secret s;
	lxr_err err = {0};

	assert_int_equal(bld_secret_parse("id=a,src=/f", &s, &err), 0);
	assert_string_equal(s.src, "/f");
	assert_null(s.env);
	bld_secret_free(&s);
	assert_int_equal(bld_secret_parse("id=a,type=env,source=TOKEN", &s, &err), 0);
	assert_string_equal(s.env, "TOKEN");
	assert_null(s.src);
	bld_secret_free(&s);
	/* buildx: neither src nor env is the variable ID if set, else file ID */
	setenv("LXR_UNIT_SECRET", "v", 1);
	assert_int_equal(bld_secret_parse("id=LXR_UNIT_SECRET", &s, &err), 0);
	assert_string_equal(s.env, "LXR_UNIT_SECRET");
	bld_secret_free(&s);
	unsetenv("LXR_UNIT_SECRET");
	assert_int_equal(bld_secret_parse("id=LXR_UNIT_SECRET", &s, &err), 0);
	assert_string_equal(s.src, "LXR_UNIT_SECRET");
	bld_secret_free(&s);
	assert_int_equal(bld_secret_parse("src=/f", &s, &err), -1);
	assert_non_null(strstr(err.msg, "no id"));
	assert_int_equal(bld_secret_parse("id=a,type=ssh", &s, &err), -1);
	assert_int_equal(bld_secret_parse("id=a,flavour=x", &s, &err), -1);
	assert_non_null(strstr(err.msg, "unexpected key 'flavour'"));
	assert_int_equal(bld_secret_parse("id=a,src=/f,env=B", &s, &err), -1);

	assert_int_equal(bld_network_parse("default"), BLD_NET_DEFAULT);
	assert_int_equal(bld_network_parse("none"), BLD_NET_NONE);
	assert_int_equal(bld_network_parse("host"), BLD_NET_HOST);
	assert_int_equal(bld_network_parse("bridge"), -1);
}

static void test_plan_mounts(void **state)
{
	(void)state;
	static const char text[] = "FROM busybox AS tools\n"
				   "FROM busybox\n"
				   "RUN --mount=from=tools,target=/t true\n";
	static const char bad[] = "FROM busybox\n"
				  "RUN --network=none \\\n"
				  "    --mount=type=cache,target=/c,sharing=no true\n";
	struct df_file f;
	struct bld_plan p;
	lxr_err err = {0};

	assert_int_equal(df_parse("Dockerfile", text, strlen(text), &f, &err), 0);
	assert_int_equal(bld_plan_make(&f, NULL, NULL, &p, &err), 0);
	assert_true(p.stages[0].needed); /* a mount from a stage needs it built */
	bld_plan_free(&p);
	df_file_free(&f);

	assert_int_equal(df_parse("Dockerfile", bad, strlen(bad), &f, &err), 0);
	assert_int_equal(bld_plan_make(&f, NULL, NULL, &p, &err), -1);
	assert_string_equal(err.msg,
			    "Dockerfile:3:5: --mount: unsupported sharing value \"no\" (shared, "
			    "private or locked)");
	df_file_free(&f);

	static const char badnet[] = "FROM busybox\nRUN --network=bridge true\n";
	assert_int_equal(df_parse("Dockerfile", badnet, strlen(badnet), &f, &err), 0);
	assert_int_equal(bld_plan_make(&f, NULL, NULL, &p, &err), -1);
	assert_string_equal(err.msg,
			    "Dockerfile:2:5: RUN --network=bridge: takes default, none or host");
	df_file_free(&f);
}

static void test_urls(void **state)
{
	(void)state;
	static const char *const names[][2] = {
	    {"https://example.com/a/b/tool.tar.gz", "tool.tar.gz"},
	    {"http://example.com/file.txt?x=1#frag", "file.txt"},
	    {"https://example.com/dir/", "dir"},
	    {"https://example.com", "download"},
	    {"https://example.com/", "download"},
	    {"https://example.com/..", "download"},
	    {"https://example.com?q=/etc/passwd", "download"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *n = bldx_url_name(names[i][0]);
		assert_string_equal(n, names[i][1]);
		free(n);
	}
	assert_true(bldx_is_url("https://x/y"));
	assert_false(bldx_is_url("ftp://x/y"));
	assert_true(bldx_is_git("git@github.com:a/b.git"));
	assert_true(bldx_is_git("https://github.com/a/b.git#main"));
	assert_true(bldx_is_git("git://host/repo"));
	assert_false(bldx_is_git("https://example.com/b.tar.gz"));
	assert_false(bldx_is_git("app/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mount_defaults),
	    cmocka_unit_test(test_mount_errors),
	    cmocka_unit_test(test_secret_and_network),
	    cmocka_unit_test(test_plan_mounts),
	    cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
