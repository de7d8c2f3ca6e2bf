/* docker login and logout: credentials checked against the registry, then
 * kept in the docker-style auth file that pull and push read
 * (registry_auth.c), beside whatever else that file holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/tools/registry.h"
#include "lxr/image_tools.h"

#define HUB_KEY "https://index.docker.io/v1/"

int img_login_server(const char *server, char **registry, char **key)
{
	const char *h = server ? server : "";
	size_t n;

	if (lxr_str_has_prefix(h, "https://"))
		h += 8;
	else if (lxr_str_has_prefix(h, "http://"))
		h += 7;
	n = strcspn(h, "/");
	for (size_t i = 0; reg_hub_keys[i]; i++)
		if (n == strlen(reg_hub_keys[i]) && !strncmp(h, reg_hub_keys[i], n))
			n = 0;
	if (!n) { /* Docker Hub: auth files know it by its v1 URL */
		*registry = lxr_xstrdup("docker.io");
		*key = lxr_xstrdup(HUB_KEY);
		return 0;
	}
	*registry = lxr_xstrndup(h, n);
	*key = lxr_xstrndup(h, n);
	return strpbrk(*registry, " \t@?#") ? -1 : 0;
}

char *img_login_file(const char *given)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *home = getenv("HOME");

	if (given)
		return lxr_xstrdup(given);
	if (env && *env)
		return lxr_xstrdup(env);
	return home && *home ? lxr_xasprintf("%s/.docker/config.json", home) : NULL;
}

/* The file's JSON, {} when it does not exist yet. */
static int load(const char *path, json_t **out, lxr_err *err)
{
	json_error_t je;
	struct stat st;

	*out = json_load_file(path, 0, &je);
	if (*out && json_is_object(*out))
		return 0;
	/* none yet, or empty: docker's {} */
	if (!*out && (stat(path, &st) < 0 ? errno == ENOENT : S_ISREG(st.st_mode) && !st.st_size)) {
		*out = json_object();
		return 0;
	}
	json_decref(*out);
	*out = NULL;
	if (je.line < 0)
		return lxr_fail(err, access(path, R_OK) < 0 ? errno : EINVAL, "read auth file %s",
				path);
	return lxr_fail(err, EINVAL, "auth file %s: line %d: %s", path, je.line, je.text),
	       lxr_err_hint(err,
			    "mend or move the file; lxr changes nothing in it until it is JSON");
}

/* Whole or not at all, through a symlink to the file it names (a dotfile
 * kept elsewhere), owned and moded as the file was (0600 when new). */
static int save(const char *path, json_t *j, lxr_err *err)
{
	char real[PATH_MAX];
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	bool had;
	size_t len;

	if (!realpath(path, real)) {
		char link[PATH_MAX];
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		const char *slash = strrchr(path, '/');
		if (errno != ENOENT || strlen(path) >= sizeof(real))
			return lxr_fail(err, errno, "auth file %s", path);
		/* a link to a file not made yet: that file, not the link */
		if (n > 0) {
			link[n] = '\0';
			if (link[0] == '/' || !slash)
				snprintf(real, sizeof(real), "%s", link);
			else if ((size_t)(slash - path) + 1 + (size_t)n < sizeof(real)) {
				memcpy(real, path, (size_t)(slash - path) + 1);
				memcpy(real + (slash - path) + 1, link, (size_t)n + 1);
			} else {
				return lxr_fail(err, ENAMETOOLONG, "auth file %s", path);
			}
		} else {
			strcpy(real, path);
		}
	}
	had = stat(real, &st) == 0;
	dir = lxr_xstrdup(real);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	if (*dir && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "make the directory %s for the auth file", dir);
	tmp = lxr_xasprintf("%s.lxr-tmp-%d", real, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s", tmp);
	len = strlen(text);
	text[len] = '\n';
	/* the old file's owner and mode where they can be kept (docker
	 * ignores a failure there too: an unmapped group, say) */
	if (had) {
		(void)!fchown(fd, st.st_uid, st.st_gid);
		(void)!fchmod(fd, st.st_mode & 07777);
	}
	errno = EIO;
	if (write(fd, text, len + 1) != (ssize_t)(len + 1) || fsync(fd) < 0 ||
	    rename(tmp, real) < 0) {
		int e = errno;
		unlink(tmp);
		explicit_bzero(text, len);
		return lxr_fail(err, e, "write the auth file %s", real);
	}
	explicit_bzero(text, len);
	return 0;
}

static char *encode_basic(const char *basic)
{
	struct base64_encode_ctx ctx;
	size_t n = strlen(basic), len;
	char *out = lxr_xcalloc(1, BASE64_ENCODE_LENGTH(n) + BASE64_ENCODE_FINAL_LENGTH + 1);

	base64_encode_init(&ctx);
	len = base64_encode_update(&ctx, out, n, (const uint8_t *)basic);
	len += base64_encode_final(&ctx, out + len);
	out[len] = '\0';
	return out;
}

int img_login(const char *server, const char *user, const char *password, const char *auth_file,
	      char **stored_in, lxr_err *err)
{
	_cleanup_free_ char *registry = NULL, *key = NULL, *path = img_login_file(auth_file);
	_cleanup_free_ char *basic = NULL, *b64 = NULL;
	struct img_ref ref = {0};
	struct reg_client c;
	json_t *j = NULL, *auths;
	int r;

	if (img_login_server(server, &registry, &key) < 0)
		return lxr_fail(err, EINVAL, "login: \"%s\" is not a registry's address", server),
		       lxr_err_hint(err,
				    "HOST[:PORT], e.g. registry.example.com or localhost:5000");
	if (!path)
		return lxr_fail(err, ENOENT, "login: HOME is not set: no ~/.docker/config.json"),
		       lxr_err_hint(err, "set HOME, REGISTRY_AUTH_FILE or --authfile");
	if (!*user || strchr(user, ':'))
		return lxr_fail(err, EINVAL, "login: the user name \"%s\" is %s", user,
				*user ? "not one (it has a ':')" : "empty"),
		       lxr_err_hint(err, "give it with -u USER");
	if (!*password)
		return lxr_fail(err, EINVAL, "login: the password is empty"),
		       lxr_err_hint(err, "give it with --password-stdin or at the prompt");
	/* the file must be one lxr can keep before the registry is asked */
	if (load(path, &j, err) < 0)
		return -1;
	if (json_object_get(j, "credsStore") ||
	    json_object_get(json_object_get(j, "credHelpers"), key))
		fprintf(stderr,
			"lxr: warning: %s names a credential helper: docker asks it, not the entry "
			"lxr writes here (lxr reads the entry)\n",
			path);
	ref.registry = registry;
	ref.repo = (char *)"library/x"; /* copied; no request names it */
	reg_open_bare(&ref, &c);
	basic = lxr_xasprintf("%s:%s", user, password);
	r = reg_login_check(&c, user, basic, err);
	reg_close(&c);
	if (r < 0) {
		explicit_bzero(basic, strlen(basic));
		json_decref(j);
		return lxr_err_wrap(err, "login to %s", registry);
	}
	b64 = encode_basic(basic);
	explicit_bzero(basic, strlen(basic));
	auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(j, "auths", auths);
	}
	json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
	explicit_bzero(b64, strlen(b64));
	r = save(path, j, err);
	json_decref(j);
	if (r == 0 && stored_in)
		*stored_in = lxr_steal_ptr(&path);
	return r;
}

int img_logout(const char *server, const char *auth_file, char **key_out, lxr_err *err)
{
	_cleanup_free_ char *registry = NULL, *key = NULL, *path = img_login_file(auth_file);
	_cleanup_free_ char *https = NULL, *http = NULL;
	json_t *j = NULL, *auths;
	int removed = 0, r = 0;

	if (img_login_server(server, &registry, &key) < 0)
		return lxr_fail(err, EINVAL, "logout: \"%s\" is not a registry's address", server);
	*key_out = lxr_xstrdup(key);
	if (!path || access(path, F_OK) < 0)
		return 0;
	if (load(path, &j, err) < 0)
		return -1;
	https = lxr_xasprintf("https://%s", key);
	http = lxr_xasprintf("http://%s", key);
	auths = json_object_get(j, "auths");
	/* every spelling of the registry an auth file may hold */
	removed += json_object_del(auths, key) == 0;
	removed += json_object_del(auths, https) == 0;
	removed += json_object_del(auths, http) == 0;
	for (size_t i = 0; !strcmp(registry, "docker.io") && reg_hub_keys[i]; i++)
		removed += json_object_del(auths, reg_hub_keys[i]) == 0;
	if (removed)
		r = save(path, j, err);
	json_decref(j);
	return r < 0 ? -1 : removed > 0;
}
