/* The /etc/hostname, /etc/hosts and /etc/resolv.conf lxr writes for a
 * container that has no network endpoint to write them (or no hostname
 * of the spec's own to bind): kept in its directory, bind-mounted by the
 * mount plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/plan.h"
#include "runtime/runtime_internal.h"

/* A restart finds the files of the last start, nearly always the same:
 * reading one is cheaper than an unlink and a create (two journal
 * transactions where the run directory is on disk). Anything else than
 * the file lxr would write is made anew. */
static int write_etc_file(int dirfd, const char *name, const char *data, size_t len, lxr_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[4096];
	struct stat st;

	/* the container may have written it through its bind mount (or, as
	 * root, changed its mode or owner): only what lxr would make is kept */
	if (fd >= 0 && len < sizeof(buf) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0644 && st.st_uid == geteuid() && st.st_gid == getegid() &&
	    st.st_nlink == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == (ssize_t)len && !memcmp(buf, data, len))
			return 0;
	}
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "remove %s", name);
	return lxr_write_file_new(dirfd, name, data, len, 0644, err);
}

/* Which of /etc/hostname, /etc/hosts and /etc/resolv.conf lxr makes: not
 * a file the spec mounts itself (a network endpoint's hosts and
 * resolv.conf, a volume), and no hostname without a UTS namespace. */
bool rt_etc_own(const struct lxr_spec *spec, const char *file)
{
	_cleanup_free_ char *dst = lxr_xasprintf("/etc/%s", file);

	if (!strcmp(file, "hostname") && !spec->ns[LXR_NS_UTS].create)
		return false;
	return !plan_spec_has_mount(spec, dst);
}

char *rt_etc_path(const struct lxr_spec *spec, const char *state_root, const char *file)
{
	/* rt_container_start's directory, <state_root>/<id> */
	return rt_etc_own(spec, file) ? lxr_xasprintf("%s/%s/%s", state_root, spec->id, file)
				      : NULL;
}

/* lxr's own /etc/hosts: docker's lines for localhost (or the host's file,
 * network_mode host), then the spec's extra hosts, "ADDRESS\tNAME" */
static char *hosts_text(const struct lxr_spec *spec)
{
	static const char local[] = "127.0.0.1\tlocalhost\n"
				    "::1\tlocalhost ip6-localhost ip6-loopback\n"
				    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
				    "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
	char *text = NULL;
	size_t len = 0;
	lxr_err ignored;

	if (!spec->hosts_from_host ||
	    lxr_read_file_at(AT_FDCWD, "/etc/hosts", &text, &len, &ignored) < 0)
		text = lxr_xstrdup(local);
	for (size_t i = 0; spec->extra_hosts && spec->extra_hosts[i]; i++) {
		const char *e = spec->extra_hosts[i], *eq = strchr(e, '=');
		size_t n = strlen(text);
		char *t;
		if (!eq)
			continue;
		t = lxr_xasprintf("%s%s%s\t%.*s\n", text, n && text[n - 1] != '\n' ? "\n" : "",
				  eq + 1, (int)(eq - e), e);
		free(text);
		text = t;
	}
	return text;
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf as the container will see
 * them, kept in its directory and bind-mounted (docker's way: the image's own
 * files stay untouched underneath). */
int rt_etc_write(const struct lxr_spec *spec, int dirfd, lxr_err *err)
{
	const char *host = spec->hostname ? spec->hostname : spec->id;
	_cleanup_free_ char *hostname = lxr_xasprintf("%s\n", host);
	_cleanup_free_ char *resolv = NULL;
	_cleanup_free_ char *hosts = NULL;
	size_t rlen = 0;
	lxr_err ignored;

	if ((rt_etc_own(spec, "hostname") &&
	     write_etc_file(dirfd, "hostname", hostname, strlen(hostname), err) < 0) ||
	    (rt_etc_own(spec, "hosts") && (hosts = hosts_text(spec)) &&
	     write_etc_file(dirfd, "hosts", hosts, strlen(hosts), err) < 0))
		return -1;
	if (!rt_etc_own(spec, "resolv.conf"))
		return 0;
	/* A host without resolv.conf gives an empty one, as docker does. */
	if (lxr_read_file_at(AT_FDCWD, "/etc/resolv.conf", &resolv, &rlen, &ignored) < 0)
		rlen = 0;
	if (spec->dns || spec->dns_search || spec->dns_opt) {
		_cleanup_free_ char *own =
		    lxr_resolv_override(resolv, spec->dns, spec->dns_search, spec->dns_opt);
		return write_etc_file(dirfd, "resolv.conf", own, strlen(own), err);
	}
	return write_etc_file(dirfd, "resolv.conf", resolv ? resolv : "", rlen, err);
}
