/* The kernel's floor for `run --rm --network none ROOTFS CMD...`: what any
 * runtime must at least do, in one small static C process and nothing else.
 * It makes a writable layer's directories (in DIR, as lxr's are in its run
 * directory) and a memory cgroup (v1's memory
 * hierarchy where the host has one, else a v2 cgroup), clones a child into
 * six new namespaces (mount, PID, network, IPC, UTS, cgroup), moves it into
 * the cgroup, and the child mounts an overlay of ROOTFS, pivots into it,
 * mounts /proc and execs CMD. The parent waits for it, then removes the
 * cgroup and the directories. No /dev, no masks, no capabilities, no
 * seccomp, no init, no state: every one of those is on top of this.
 *   floor DIR ROOTFS CMD [ARG...]      (exits with CMD's status)
 * Built and timed by bench/run-vs-crun.sh beside lxr and crun. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[256], upper[280], work[280], merged[280], cg[128];
static char *rootfs, **cmd;
static int gate[2];
static char stack[64 << 10] __attribute__((aligned(16)));

static int die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 125;
}

static int child(void *arg)
{
	char opts[4096], c;

	(void)arg;
	close(gate[1]);
	if (read(gate[0], &c, 1) != 1)
		_exit(125);
	if ((size_t)snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", rootfs,
			     upper, work) >= sizeof(opts)) {
		errno = ENAMETOOLONG;
		_exit(die(rootfs));
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(die("make / private"));
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		_exit(die("mount the overlay"));
	if (chdir(merged) < 0 ||
	    mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		_exit(die("mount /proc"));
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		_exit(die("pivot_root"));
	execv(cmd[0], cmd);
	_exit(die(cmd[0]));
}

/* v1's memory hierarchy if the host mounts one, else the v2 root */
static const char *cgroup_parent(void)
{
	struct stat st;

	if (stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0)
		return "/sys/fs/cgroup/memory";
	return "/sys/fs/cgroup";
}

static int join(pid_t pid)
{
	char path[160], num[16];
	int fd, n, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(num, sizeof(num), "%d", pid);
	ok = write(fd, num, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWCGROUP | SIGCHLD;
	int st = 0, code = 125;
	bool held = false;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: floor DIR ROOTFS CMD [ARG...]\n");
		return 2;
	}
	if (strlen(argv[1]) > 200) {
		fprintf(stderr, "floor: %s: a shorter directory, please\n", argv[1]);
		return 2;
	}
	rootfs = argv[2];
	cmd = argv + 3;
	snprintf(top, sizeof(top), "%s/lxr-floor-%d", argv[1], getpid());
	snprintf(upper, sizeof(upper), "%s/upper", top);
	snprintf(work, sizeof(work), "%s/work", top);
	snprintf(merged, sizeof(merged), "%s/merged", top);
	snprintf(cg, sizeof(cg), "%s/lxr-floor-%d", cgroup_parent(), getpid());
	if (mkdir(top, 0700) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
	    mkdir(merged, 0755) < 0) {
		code = die(top);
		goto out;
	}
	if (mkdir(cg, 0755) < 0) {
		code = die(cg);
		goto out;
	}
	if (pipe2(gate, O_CLOEXEC) < 0) {
		code = die("pipe");
		goto out;
	}
	pid = clone(child, stack + sizeof(stack), flags, NULL);
	if (pid < 0) {
		code = die("clone");
		goto out;
	}
	close(gate[0]);
	if (join(pid) < 0)
		held = die(cg);
	else if (write(gate[1], "g", 1) != 1)
		held = die("pipe");
	/* a child not let go reads the end of the pipe and leaves */
	close(gate[1]);
	if (waitpid(pid, &st, 0) == pid && !held)
		code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	rmdir(cg);
	rmdir(upper);
	rmdir(merged);
	{
		char w[300];
		snprintf(w, sizeof(w), "%s/work", work);
		rmdir(w);
	}
	rmdir(work);
	rmdir(top);
	return code;
}
