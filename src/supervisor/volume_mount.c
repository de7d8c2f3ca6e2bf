/* A named volume on the host: its mount options (type, o, device, as
 * docker's local driver takes them) mounted on its _data when a container
 * first needs it, and who has it mounted. "In use" is read from the
 * kernel: a mount namespace other than the host's that has _data mounted
 * (a running container), so a crash leaves no stale count behind. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* The entry of /proc/self/mountinfo mounted at exactly path, if any. */
static bool mounted_at(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[PATH_MAX];

	while (f && fgets(line, sizeof(line), f))
		if (lxr_sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strcmp(mp, path))
			return true;
	return false;
}

/* mount(8)'s flag words out of o, the rest as the filesystem's data. */
static void split_o(const char *o, unsigned long *flags, char **data)
{
	static const struct {
		const char *w;
		unsigned long set, clear;
	} words[] = {{"ro", MS_RDONLY, 0},
		     {"rw", 0, MS_RDONLY},
		     {"nosuid", MS_NOSUID, 0},
		     {"suid", 0, MS_NOSUID},
		     {"nodev", MS_NODEV, 0},
		     {"dev", 0, MS_NODEV},
		     {"noexec", MS_NOEXEC, 0},
		     {"exec", 0, MS_NOEXEC},
		     {"sync", MS_SYNCHRONOUS, 0},
		     {"async", 0, MS_SYNCHRONOUS},
		     {"noatime", MS_NOATIME, 0},
		     {"nodiratime", MS_NODIRATIME, 0},
		     {"relatime", MS_RELATIME, 0},
		     {"strictatime", MS_STRICTATIME, 0},
		     {"bind", MS_BIND, 0},
		     {"rbind", MS_BIND | MS_REC, 0},
		     {"defaults", 0, 0}};
	_cleanup_free_ char *copy = lxr_xstrdup(o ? o : "");
	char *save = NULL;

	*flags = 0;
	*data = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i, n = sizeof(words) / sizeof(words[0]);
		for (i = 0; i < n && strcmp(words[i].w, w); i++)
			;
		if (i < n) {
			*flags = (*flags | words[i].set) & ~words[i].clear;
			continue;
		}
		char *more = *data ? lxr_xasprintf("%s,%s", *data, w) : lxr_xstrdup(w);
		free(*data);
		*data = more;
	}
}

/* The kernel's NFS client takes addr= as an address; docker's local
 * driver resolves a host name there first, and so does lxr. */
static int resolve_addr(char **data, lxr_err *err)
{
	char *a = *data ? strstr(*data, "addr=") : NULL, ip[INET6_ADDRSTRLEN];
	struct in6_addr probe;
	size_t n;

	if (a && a != *data && a[-1] != ',')
		a = NULL;
	if (!a)
		return 0;
	a += 5;
	n = strcspn(a, ",");
	_cleanup_free_ char *host = lxr_xstrndup(a, n);
	if (inet_pton(AF_INET, host, &probe) == 1 || inet_pton(AF_INET6, host, &probe) == 1)
		return 0;
	if (net_resolve_host(host, ip, sizeof(ip), err) < 0)
		return lxr_err_wrap(err, "resolve addr=%s", host),
		       lxr_err_hint(err, "give the NFS server's address, or its name in /etc/hosts "
					 "or the DNS of /etc/resolv.conf");
	char *now = lxr_xasprintf("%.*s%s%s", (int)(a - *data), *data, ip, a + n);
	free(*data);
	*data = now;
	return 0;
}

int sup_volume_mount(const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);
	_cleanup_free_ char *fsdata = NULL;
	struct sup_volume v;
	const char *type, *dev;
	unsigned long flags;
	int r = 0;

	if (sup_volume_load(name, &v, err) < 0)
		return lxr_err_wrap(err, "volume %s", name);
	type = lxr_strv_getenv(v.opts, "type");
	dev = lxr_strv_getenv(v.opts, "device");
	if (type && !mounted_at(data)) {
		split_o(lxr_strv_getenv(v.opts, "o"), &flags, &fsdata);
		if (!strncmp(type, "nfs", 3) && resolve_addr(&fsdata, err) < 0) {
			sup_volume_free(&v);
			return lxr_err_wrap(err, "volume %s", name);
		}
		if (!strcmp(type, "none"))
			r = mount(dev, data, NULL, MS_BIND | MS_REC, NULL);
		else
			r = mount(dev ? dev : type, data, type, flags & ~(MS_BIND | MS_REC),
				  fsdata);
		if (r < 0) {
			r = lxr_fail(err, errno, "volume %s: mount %s (type %s) on %s", name,
				     dev ? dev : type, type, data);
			if (errno == ENODEV)
				lxr_err_hint(err,
					     "the kernel has no filesystem \"%s\" (modprobe %s?)",
					     type, type);
		} else if (!strcmp(type, "none") && (flags & MS_RDONLY)) {
			/* a bind's ro takes a remount of the bind itself */
			mount(NULL, data, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
		}
	}
	sup_volume_free(&v);
	return r;
}

int sup_volume_unmount(const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);

	while (mounted_at(data))
		if (umount2(data, MNT_DETACH) < 0)
			return lxr_fail(err, errno, "volume %s: umount %s", name, data);
	return 0;
}

/* Where path's filesystem sees it: its device and its path from that
 * filesystem's root (mountinfo's "root" of a bind of it). */
static bool fs_key(const char *path, unsigned *maj, unsigned *min, char **rel)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[PATH_MAX], mp[PATH_MAX];
	size_t best = 0;
	struct stat st;

	if (!f || stat(path, &st) < 0)
		return false;
	*maj = major(st.st_dev), *min = minor(st.st_dev);
	*rel = NULL;
	while (fgets(line, sizeof(line), f)) {
		unsigned a, b;
		size_t n;
		if (lxr_sscanf(line, "%*s %*s %u:%u %4095s %4095s", &a, &b, root, mp) != 4 ||
		    a != *maj || b != *min)
			continue;
		n = strlen(mp);
		if (strcmp(mp, "/") && (strncmp(path, mp, n) || (path[n] && path[n] != '/')))
			continue;
		if (!strcmp(mp, "/"))
			n = 0;
		if (n >= best || !*rel) {
			best = n;
			free(*rel);
			*rel = lxr_xasprintf("%s%s", strcmp(root, "/") ? root : "",
					     path[n] ? path + n : "");
			if (!**rel) {
				free(*rel);
				*rel = lxr_xstrdup("/");
			}
		}
	}
	return *rel != NULL;
}

/* "project/container" from an lxr cgroup path, or NULL: not a container
 * of lxr's. */
static char *who(const char *pid)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%s/cgroup", pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "/lxr/");
		if (p) {
			p += 5;
			p[strcspn(p, "\n")] = '\0';
			char *slash = strchr(p, '/');
			if (slash && strchr(slash + 1, '/'))
				*strchr(slash + 1, '/') = '\0';
			return lxr_xstrdup(p);
		}
	}
	return NULL;
}

char **sup_path_users(const char *path)
{
	_cleanup_free_ char *rel = NULL;
	char **out = lxr_xcalloc(1, sizeof(char *)), **seen = lxr_xcalloc(1, sizeof(char *));
	char self[64] = "", ns[64], line[4096], root[PATH_MAX];
	unsigned maj, min;
	struct dirent *de;
	size_t rn;
	DIR *d;

	if (!fs_key(path, &maj, &min, &rel) || !(d = opendir("/proc"))) {
		lxr_strv_free(seen);
		return out;
	}
	rn = strlen(rel);
	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0)
		self[0] = '\0';
	while ((de = readdir(d))) {
		_cleanup_free_ char *nsl = NULL, *mi = NULL;
		_cleanup_fclose_ FILE *f = NULL;
		char *ctr;
		ssize_t n;
		bool dup = false, hit = false;

		/* a container of lxr's: another mount namespace (a service's
		 * private one, a container being made) starts as a copy of the
		 * host's, with the volume's mounts in it, and uses nothing */
		if (!isdigit((unsigned char)de->d_name[0]) || !(ctr = who(de->d_name)))
			continue;
		nsl = lxr_xasprintf("/proc/%s/ns/mnt", de->d_name);
		n = readlink(nsl, ns, sizeof(ns) - 1);
		if (n < 0) {
			free(ctr);
			continue;
		}
		ns[n] = '\0';
		for (size_t i = 0; seen[i] && !dup; i++)
			dup = !strcmp(seen[i], ns);
		if (dup || !strcmp(ns, self)) {
			free(ctr);
			continue;
		}
		lxr_strv_push(&seen, lxr_xstrdup(ns));
		mi = lxr_xasprintf("/proc/%s/mountinfo", de->d_name);
		f = fopen(mi, "re");
		while (f && !hit && fgets(line, sizeof(line), f)) {
			unsigned a, b;
			if (lxr_sscanf(line, "%*s %*s %u:%u %4095s", &a, &b, root) == 3 &&
			    a == maj && b == min && !strncmp(root, rel, rn) &&
			    (!root[rn] || root[rn] == '/' || !strcmp(rel, "/")))
				hit = true;
		}
		if (hit)
			lxr_strv_push(&out, ctr);
		else
			free(ctr);
	}
	closedir(d);
	lxr_strv_free(seen);
	return out;
}

char **sup_volume_users(const char *name)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);

	return sup_path_users(data);
}
