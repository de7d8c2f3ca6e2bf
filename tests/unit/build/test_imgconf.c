/* What a stage's metadata instructions make of the image config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lxr/build.h"

/* Apply every instruction after the first FROM to c. */
static int apply(const char *text, struct bld_config *c, char *const *args, lxr_err *err)
{
	struct df_file f;
	struct bld_plan p;
	int r = 0;

	if (df_parse("Dockerfile", text, strlen(text), &f, err) < 0 ||
	    bld_plan_make(&f, args, NULL, &p, err) < 0)
		fail_msg("%s", err->msg);
	for (size_t i = p.stages[0].first + 1; i < f.n && r == 0; i++)
		r = bld_config_apply(c, &f, &f.v[i], args, p.meta_args, err);
	bld_plan_free(&p);
	df_file_free(&f);
	return r;
}

static void test_apply(void **state)
{
	(void)state;
	char *base_cmd[] = {"/bin/sh", NULL}, *base_env[] = {"PATH=/bin", NULL};
	struct img_config base = {.cmd = base_cmd, .env = base_env};
	struct bld_config c;
	lxr_err err = {0};
	char *args[] = {"VERSION=2", NULL};

	bld_config_init(&c, &base);
	assert_int_equal(
	    apply("ARG GLOBAL=g\n"
		  "FROM base\n"
		  "ARG GLOBAL\n"
		  "ARG VERSION=1 LOCAL=l\n"
		  "ENV APP=/srv/app V=$VERSION G=${GLOBAL} PATH=$PATH:/app\n"
		  "ENV MSG=\"hello world\" Q='$APP'\n"
		  "LABEL org.v=$VERSION \"x y\"=z\n"
		  "WORKDIR $APP\n"
		  "WORKDIR sub/../data\n"
		  "USER ${LOCAL}:grp\n"
		  "EXPOSE 80 53/UDP 8000-8002\n"
		  "VOLUME [\"/data\"]\n"
		  "VOLUME /data /logs\n"
		  "STOPSIGNAL SIGQUIT\n"
		  "SHELL [\"/bin/bash\", \"-c\"]\n"
		  "ENTRYPOINT /entry.sh\n"
		  "HEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD curl -f x\n"
		  "ONBUILD COPY . /src\n"
		  "MAINTAINER me\n",
		  &c, args, &err),
	    0);
	const char *env[] = {"PATH=/bin:/app",  "APP=/srv/app", "V=2", "G=g",
			     "MSG=hello world", "Q=$APP"};
	assert_int_equal(lxr_strv_len(c.img.env), 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(c.img.env[i], env[i]);
	assert_string_equal(c.labels[0], "org.v=2");
	assert_string_equal(c.labels[1], "x y=z");
	assert_string_equal(c.img.workdir, "/srv/app/data");
	assert_string_equal(c.img.user, "l:grp");
	const char *ports[] = {"80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"};
	assert_int_equal(lxr_strv_len(c.img.exposed_ports), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(c.img.exposed_ports[i], ports[i]);
	assert_int_equal(lxr_strv_len(c.volumes), 2);
	assert_string_equal(c.img.stop_signal, "SIGQUIT");
	/* the shell form runs in SHELL; the base's CMD goes with ENTRYPOINT */
	assert_string_equal(c.img.entrypoint[0], "/bin/bash");
	assert_string_equal(c.img.entrypoint[2], "/entry.sh");
	assert_null(c.img.cmd);
	assert_true(c.img.healthcheck.present);
	assert_string_equal(c.img.healthcheck.test[0], "CMD-SHELL");
	assert_string_equal(c.img.healthcheck.test[1], "curl -f x");
	assert_int_equal(c.img.healthcheck.interval_ns, 90000000000LL);
	assert_int_equal(c.img.healthcheck.timeout_ns, 500000000LL);
	assert_int_equal(c.img.healthcheck.retries, 3);
	assert_string_equal(c.onbuild[0], "COPY . /src");
	assert_string_equal(c.author, "me");
	assert_string_equal(bld_config_lookup("LOCAL", &c), "l");
	/* ARG makes no history; everything else one entry, as written */
	assert_int_equal(c.n_history, 15);
	assert_string_equal(c.history[0].created_by,
			    "ENV APP=/srv/app V=$VERSION G=${GLOBAL} PATH=$PATH:/app");
	assert_true(c.history[0].empty_layer);
	bld_config_free(&c);

	/* a CMD in the same stage stays with a later ENTRYPOINT */
	bld_config_init(&c, &base);
	assert_int_equal(
	    apply("FROM b\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\nHEALTHCHECK NONE\n", &c, NULL, &err),
	    0);
	assert_string_equal(c.img.cmd[0], "a");
	assert_string_equal(c.img.entrypoint[0], "e");
	assert_string_equal(c.img.healthcheck.test[0], "NONE");
	char **sh = bld_config_shell_args(&c, "echo hi");
	assert_string_equal(sh[0], "/bin/sh");
	assert_string_equal(sh[2], "echo hi");
	lxr_strv_free(sh);
	bld_config_free(&c);
}

/* BuildKit's readings where a simpler one was easy to take */
static void test_buildkit_rules(void **state)
{
	(void)state;
	struct bld_config c;
	lxr_err err = {0};

	/* the pairs of one ENV or LABEL are all expanded before any is set */
	bld_config_init(&c, NULL);
	assert_int_equal(apply("FROM a\nENV abc=hello\nENV abc=bye def=$abc\n"
			       "LABEL l=one\nLABEL l=two m=$l n=$abc\n",
			       &c, NULL, &err),
			 0);
	assert_string_equal(bld_config_lookup("def", &c), "hello");
	assert_string_equal(bld_config_lookup("abc", &c), "bye");
	assert_string_equal(c.labels[0], "l=two");
	assert_string_equal(c.labels[1], "m=");
	assert_string_equal(c.labels[2], "n=bye");
	bld_config_free(&c);

	/* STOPSIGNAL: moby's ParseSignal (any case, RTMIN+n), kept as written */
	bld_config_init(&c, NULL);
	assert_int_equal(apply("FROM a\nSTOPSIGNAL sigquit\n", &c, NULL, &err), 0);
	assert_string_equal(c.img.stop_signal, "sigquit");
	assert_int_equal(apply("FROM a\nSTOPSIGNAL SIGRTMIN+3\n", &c, NULL, &err), 0);
	assert_string_equal(c.img.stop_signal, "SIGRTMIN+3");
	assert_int_equal(apply("FROM a\nSTOPSIGNAL RTMAX-1\n", &c, NULL, &err), 0);
	assert_int_equal(apply("FROM a\nSTOPSIGNAL 9\n", &c, NULL, &err), 0);
	bld_config_free(&c);

	/* EXPOSE splits what it substitutes into ports */
	bld_config_init(&c, NULL);
	assert_int_equal(
	    apply("FROM a\nARG PORTS=\"80 443/udp\"\nEXPOSE $PORTS 8080 $NONE\n", &c, NULL, &err),
	    0);
	assert_int_equal(lxr_strv_len(c.img.exposed_ports), 3);
	assert_string_equal(c.img.exposed_ports[0], "80/tcp");
	assert_string_equal(c.img.exposed_ports[1], "443/udp");
	assert_string_equal(c.img.exposed_ports[2], "8080/tcp");
	bld_config_free(&c);
}

static void apply_err(const char *text, const char *msg)
{
	struct bld_config c;
	lxr_err err = {0};

	bld_config_init(&c, NULL);
	assert_int_equal(apply(text, &c, NULL, &err), -1);
	assert_string_equal(err.msg, msg);
	bld_config_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	apply_err("FROM a\nEXPOSE 80/xyz\n",
		  "Dockerfile:2:1: EXPOSE 80/xyz: not PORT[-PORT][/tcp|udp|sctp]");
	apply_err("FROM a\nEXPOSE 0\n", "Dockerfile:2:1: EXPOSE 0: not PORT[-PORT][/tcp|udp|sctp]");
	apply_err("FROM a\nEXPOSE 90-80\n",
		  "Dockerfile:2:1: EXPOSE 90-80: not PORT[-PORT][/tcp|udp|sctp]");
	apply_err("FROM a\nSTOPSIGNAL SIGNOPE\n",
		  "Dockerfile:2:1: STOPSIGNAL SIGNOPE: not a signal");
	apply_err("FROM a\nHEALTHCHECK --interval=5 CMD x\n",
		  "Dockerfile:2:1: HEALTHCHECK --interval=5: not a duration");
	apply_err("FROM a\nHEALTHCHECK --retries=x CMD x\n",
		  "Dockerfile:2:1: HEALTHCHECK --retries=x: not a count");
	apply_err("FROM a\nENV A=${B:?unset}\n",
		  "Dockerfile:2:1: ENV ${B:?unset}: column 1: B: unset");
	apply_err("FROM a\nRUN x\n", "Dockerfile:2:1: RUN changes files, not the config");
	apply_err("FROM a\nENV $E=1\n", "Dockerfile:2:1: ENV: an empty name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_buildkit_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
