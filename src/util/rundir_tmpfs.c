/* lxr's run directory belongs on a tmpfs, as /run is on most systems: it
 * holds what lives as long as the containers (state, records, writable
 * layers) and nothing that must outlive a boot. Where /run is a disk (some
 * VM and container images), every start and stop creates and deletes a
 * dozen inodes there, and ext4 without a journal makes each new inode scan
 * past every inode freed in the last 30 seconds: two thirds of a
 * supervisor's time starting 50 services went there. Where /run is a
 * tmpfs, it is the host's: sized for the host's runtime files (a fifth of
 * memory under systemd), and what a container writes in its writable
 * layer would fill it for systemd and every other program there. So for
 * the default run directory, lxr mounts a tmpfs of its own on /run/lxr,
 * once, when /run/lxr is not a mount already and holds no state a mount
 * would hide. A run directory given by LXR_RUN_DIR or lxr.conf is used as
 * it is. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "lxr/util.h"

#define DEFAULT_RUN_DIR "/run/lxr"
#define MOUNT_LOCK      "/run/.lxr-run.lock"

static bool on_tmpfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/* dir is a tmpfs mounted there (lxr's, or one the host made for it): a
 * tmpfs of its own has a device of its own (a bind mount of a directory of
 * /run has /run's, and is the host's tmpfs still) */
static bool own_mount(const char *dir)
{
	struct stat a, b;

	return on_tmpfs(dir) && stat(dir, &a) == 0 && stat("/run", &b) == 0 && a.st_dev != b.st_dev;
}

static bool empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = d != NULL;

	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return empty;
}

/* Nothing a mount would hide that anything still needs: lxr's own empty
 * pseudo-project directories, the lock and notes it remakes at will
 * (.net.lock is only ever held while a command runs, and every command
 * comes here first), and the seccomp filter cache. */
static bool quiescent(const char *dir)
{
	static const char *const notes[] = {".", "..", ".net.lock", ".net.nft", ".seccomp"};
	DIR *d = opendir(dir);
	struct dirent *de;
	bool ok = d != NULL;

	while (ok && (de = readdir(d))) {
		bool known = false;
		for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]) && !known; i++)
			known = !strcmp(de->d_name, notes[i]);
		if (known)
			continue;
		/* an empty directory of lxr's own: _run, _run-sup, _net... (left
		 * as it is: another lxr may be about to use it; the mount hides
		 * it harmlessly) */
		_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", dir, de->d_name);
		ok = de->d_name[0] == '_' && empty_dir(sub);
	}
	if (d)
		closedir(d);
	return ok;
}

void lxr_run_dir_prepare(void)
{
	_cleanup_close_ int lock = -1;

	if (geteuid() != 0 || lxr_rootless_uid() >= 0 || strcmp(lxr_run_dir(), DEFAULT_RUN_DIR) ||
	    own_mount(DEFAULT_RUN_DIR))
		return;
	/* one at a time: two mounts stacked would hide the first one's files */
	lock = open(MOUNT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return;
	if (mkdir(DEFAULT_RUN_DIR, 0700) < 0 && errno != EEXIST)
		return;
	if (own_mount(DEFAULT_RUN_DIR))
		return;
	if (!quiescent(DEFAULT_RUN_DIR)) {
		lxr_debug("%s holds state a mount would hide: used where it is (lxr's own tmpfs "
			  "once nothing runs)",
			  DEFAULT_RUN_DIR);
		return;
	}
	if (mount("lxr-run", DEFAULT_RUN_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		lxr_debug("mount a tmpfs on %s: %s; the run directory stays where it is",
			  DEFAULT_RUN_DIR, strerror(errno));
}
