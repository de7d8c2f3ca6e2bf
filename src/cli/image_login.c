/* lxr login, lxr logout: docker's, in lxr-image (the registry check needs
 * libcurl). The credentials go to the auth file pull and push read. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image_tools.h"

static const char login_usage[] =
    "usage: lxr login [-u USER] [-p PASSWORD | --password-stdin] [--authfile FILE]\n"
    "                 [SERVER]\n\n"
    "Log in to a registry, as docker login does: the user name and password\n"
    "(or an access token) are checked with SERVER's registry, then kept in\n"
    "~/.docker/config.json ($REGISTRY_AUTH_FILE when it is set, as podman\n"
    "has it), beside what the file already holds. lxr pull, push and run\n"
    "find them there, and so does docker. SERVER is HOST[:PORT] (a URL's\n"
    "scheme and path are dropped); without it, Docker Hub. What -u and a\n"
    "password option do not give is asked for on the terminal.\n\n"
    "  -u, --username USER     the user name\n"
    "      --password-stdin    read the password (or token) from standard input\n"
    "  -p, --password PASSWORD the password; other users may see it in ps and\n"
    "                          it stays in the shell's history: prefer\n"
    "                          --password-stdin\n"
    "      --authfile FILE     keep the credentials in FILE instead\n\n"
    "Example:\n"
    "  lxr login localhost:5000\n"
    "  echo \"$TOKEN\" | lxr login -u ci --password-stdin registry.example.com\n";

static const char logout_usage[] =
    "usage: lxr logout [--authfile FILE] [SERVER]\n\n"
    "Log out of a registry, as docker logout does: SERVER's credentials are\n"
    "removed from the file lxr login keeps them in (every spelling of the\n"
    "server); the rest of the file stays. Without SERVER, Docker Hub.\n\n"
    "      --authfile FILE   the auth file to change instead\n\n"
    "Example:\n"
    "  lxr logout registry.example.com\n";

/* One line from fd 0, without its line end; echo off for a password. */
static char *ask(const char *prompt, bool secret)
{
	struct termios old, quiet;
	bool hidden = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fputs(prompt, stderr);
	fflush(stderr);
	if (secret && tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		hidden = tcsetattr(0, TCSAFLUSH, &quiet) == 0;
	}
	n = getline(&line, &cap, stdin);
	if (hidden) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* All of standard input, without one trailing line end (docker's rule). */
static char *read_stdin(void)
{
	size_t len = 0, cap = 256;
	char *buf = lxr_xmalloc(cap);
	size_t n;

	while ((n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = lxr_xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return buf;
}

static int usage_error(const char *what, const char *usage)
{
	fprintf(stderr, "lxr: error: %s\n%s", what, usage);
	return LXR_EXIT_USAGE;
}

int cmd_login(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"username", required_argument, NULL, 'u'}, {"password", required_argument, NULL, 'p'},
	    {"password-stdin", no_argument, NULL, 'S'}, {"authfile", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
	_cleanup_free_ char *user = NULL, *pass = NULL, *file = NULL;
	const char *authfile = NULL, *server;
	bool from_stdin = false;
	lxr_err err;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "u:p:h", lo, NULL)) != -1) {
		if (c == 'h')
			return fputs(login_usage, stdout), LXR_EXIT_OK;
		if (c == 'u') {
			free(user);
			user = lxr_xstrdup(optarg);
		} else if (c == 'p') {
			free(pass);
			pass = lxr_xstrdup(optarg);
			/* what is left in the process's arguments: ps shows them */
			explicit_bzero(optarg, strlen(optarg));
		} else if (c == 'S') {
			from_stdin = true;
		} else if (c == 'A') {
			authfile = optarg;
		} else {
			cli_bad_option(argv[optind - 1], lo, login_usage);
			return LXR_EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return usage_error("login: one SERVER at most", login_usage);
	server = optind < argc ? argv[optind] : NULL;
	if (from_stdin && pass)
		return usage_error("login: --password and --password-stdin are exclusive",
				   login_usage);
	if (from_stdin && !user)
		return usage_error("login: --password-stdin needs --username", login_usage);
	if (pass)
		fputs("lxr: warning: --password on the command line is seen by other users; "
		      "use --password-stdin\n",
		      stderr);
	if (from_stdin)
		pass = read_stdin();
	if ((!user || !pass) && !isatty(0)) {
		fputs("lxr: error: login: cannot ask for the user name or password: standard "
		      "input is not a terminal\nlxr: hint: give -u USER and --password-stdin\n",
		      stderr);
		return LXR_EXIT_FAIL;
	}
	if (!user && !(user = ask("Username: ", false)))
		return LXR_EXIT_FAIL;
	if (!pass && !(pass = ask("Password: ", true)))
		return LXR_EXIT_FAIL;
	r = img_login(server, user, pass, authfile, &file, &err);
	explicit_bzero(pass, strlen(pass));
	if (r < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	printf("Login Succeeded (credentials kept in %s)\n", file);
	return LXR_EXIT_OK;
}

int cmd_logout(int argc, char **argv)
{
	static const struct option lo[] = {{"authfile", required_argument, NULL, 'A'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	_cleanup_free_ char *key = NULL;
	const char *authfile = NULL;
	lxr_err err;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h')
			return fputs(logout_usage, stdout), LXR_EXIT_OK;
		if (c == 'A') {
			authfile = optarg;
		} else {
			cli_bad_option(argv[optind - 1], lo, logout_usage);
			return LXR_EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return usage_error("logout: one SERVER at most", logout_usage);
	r = img_logout(optind < argc ? argv[optind] : NULL, authfile, &key, &err);
	if (r < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	if (r)
		printf("Removing login credentials for %s\n", key);
	else
		printf("Not logged in to %s\n", key);
	return LXR_EXIT_OK;
}
