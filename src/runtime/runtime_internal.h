/* Seams between the runtime's own files. Not part of the public face. */
#ifndef LXR_RUNTIME_INTERNAL_H
#define LXR_RUNTIME_INTERNAL_H

#include "lxr/runtime.h"

/* ---- process credentials (creds.c, caps.c, seccomp.c) --------------------
 * Called in the container, after the rootfs is in place and before exec, as
 * root in the container's namespaces. In this order: rlimits, bounding set,
 * supplementary groups, gid, uid (keeping capabilities across the switch),
 * effective/permitted/inheritable, ambient, no_new_privs, seccomp. (Without
 * no_new_privs the kernel takes a filter only from a CAP_SYS_ADMIN holder,
 * so then seccomp moves to just after the bounding set.) After it returns
 * the process can settle its soft nofile limit (rt_nofile_settle) and
 * exec, and nothing more. */
int rt_process_apply_creds(const struct lxr_spec *spec, lxr_err *err);
/* The same in two steps: everything but a seccomp filter that can wait
 * for no_new_privs, then that filter (none when it went in early, without
 * no_new_privs: the kernel then wants CAP_SYS_ADMIN for it). A process
 * entering a container takes the first before the clone that puts it in
 * there, and the filter just before its exec, as runc does, so a custom
 * profile need not allow lxr's own calls. */
int rt_process_apply_creds_held(const struct lxr_spec *spec, lxr_err *err);
int rt_process_load_held_filter(const struct lxr_spec *spec, lxr_err *err);
/* The command's RLIMIT_NOFILE soft limit, right before the exec (creds.c). */
void rt_nofile_settle(void);

/* ---- seccomp (seccomp.c, seccomp_default.c, seccomp_bpf.c, seccomp_data.c)
 * The filter a spec asks for: its own profile (spec->seccomp), else docker's
 * default profile for its bounding set (spec->seccomp_default), else none.
 * rt_seccomp_prepare compiles it (or fetches the default's from the run
 * dir's cache) ahead of a clone, so the container only loads it;
 * rt_seccomp_load prepares on its own when that was not done. Loading needs
 * no_new_privs or CAP_SYS_ADMIN, so it is the last step before exec. */
int rt_seccomp_prepare(const struct lxr_spec *spec, lxr_err *err);
int rt_seccomp_load(const struct lxr_spec *spec, lxr_err *err);
/* Load docker's default filter for docker's default capability set. */
int rt_seccomp_load_default(lxr_err *err);

/* docker's default profile decided for a bounding set (and this machine
 * and kernel): ERRNO(EPERM) but for an allow-list, with the calls docker
 * gates on a capability allowed only with it. Free with plan_seccomp_free. */
struct lxr_seccomp *rt_seccomp_default(uint64_t caps);
/* The capabilities the table's conditions name: two bounding sets that
 * agree on these get the same profile (cap_add: NET_ADMIN changes nothing
 * in it), so the program is kept and looked up by those bits only. */
uint64_t rt_seccomp_default_caps(void);
/* The BPF program for p (malloc'd): libseccomp's, behind a stub that
 * answers ENOSYS for syscalls newer than libseccomp knows, then shrunk
 * (rt_seccomp_shrink); _as_written leaves it as libseccomp wrote it. */
struct sock_filter;
int rt_seccomp_compile(const struct lxr_seccomp *p, struct sock_filter **prog, size_t *len,
		       lxr_err *err);
int rt_seccomp_compile_as_written(const struct lxr_seccomp *p, struct sock_filter **prog,
				  size_t *len, lxr_err *err);
/* The same verdicts in fewer instructions (seccomp_opt.c): *prog is
 * replaced by a shorter program, or left as it is when it uses what the
 * shortening does not model. */
void rt_seccomp_shrink(struct sock_filter **prog, size_t *len);
/* prog's verdict for d, as the kernel computes it (the accumulator
 * starting at 0), for what seccomp_opt.c models: loads of seccomp_data's
 * words and of constants, ALU steps and compares with a constant, jumps,
 * returns of a constant or the accumulator. False for any other
 * instruction and for a jump or a fall out of the program. */
struct seccomp_data;
bool rt_seccomp_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d,
		    uint32_t *verdict);

/* ---- a root that is the initramfs (initramfs.c) ---------------------------
 * In the container's mount namespace, before its root is built: where "/"
 * is rootfs itself (a box running from its initramfs), "/" becomes a bind
 * of itself, by way of dir (an empty directory), so that pivot_root works. */
int rt_rootfs_leave_initramfs(const char *dir, lxr_err *err);
/* The same box, for a container that would have a user namespace of its
 * own ([userns]): refused, saying why, where "/" is the initramfs. Asked
 * before the start, by the caller. */
int rt_rootfs_initramfs_userns(lxr_err *err);
/* lxr doctor's line on it (rt_features_check) */
void rt_initramfs_check(struct lxr_checks *c);
/* A field of /proc/self/mountinfo (n bytes at s) as it reads: the kernel
 * escapes space, tab, newline and backslash as \ooo (cgroup_host.c). */
char *rt_mountinfo_unescape(const char *s, size_t n);

/* ---- capability helpers (caps.c) ----------------------------------------- */
/* The running kernel's highest capability number (cap_last_cap). */
int rt_cap_last_cap(void);
/* "CAP_NET_ADMIN" for 12, into buf; returns buf. */
const char *rt_cap_name(int cap, char *buf, size_t len);

/* ---- cgroup plan (cgroup.c) -----------------------------------------------
 * Limits become a list of knob writes before anything is written, so a test
 * can read the plan without root. */
struct rt_cg_write {
	const char *controller; /* "memory", "cpu", "pids" */
	const char *file;       /* "memory.max", "memory.limit_in_bytes", ... */
	char value[64];
	/* The file may be absent (a kernel without swap accounting): set
	 * only on swap knobs whose absence keeps the promise — "unlimited
	 * swap" is the default, and "no swap" holds on a host without swap
	 * (a host with swap gets a warning). */
	bool optional;
	/* tried when file is absent, with alt_value (empty: value): BFQ's
	 * and iocost's weight files */
	const char *alt_file;
	char alt_value[64];
	/* the kernel may lack the knob (a weight without BFQ, any
	 * swappiness on v2): then this warning, and the setting is dropped,
	 * as docker drops it. never: there is no such knob on this cgroup
	 * version, only the warning */
	const char *absent_warning;
	bool never;
};
/* Fill up to max writes for res on the given backend; returns the count, or
 * -1 with err when a value is out of range. */
int rt_cgroup_plan(const struct lxr_resources *res, enum lxr_cg_version v, struct rt_cg_write *w,
		   size_t max, lxr_err *err);

/* ---- the host's CPUs and block devices (hostres.c) ------------------------- */
#define RT_CPUS_MAX 8192
/* want and online as the kernel writes CPU lists ("0-3,6"): 0 when every
 * CPU of want is in online (or online cannot be read), 1 with *bad the
 * first that is not, -1 when want is not a CPU list. */
int rt_cpu_list_check(const char *want, const char *online, int *bad);
/* cpus against /sys/devices/system/cpu/online, naming both when not. */
int rt_host_check_cpuset(const char *cpus, lxr_err *err);
/* A blkio_config entry (kind as the stack file spells it: "device_read_bps"
 * ...) with path's device numbers; an error naming path when it is not a
 * block device. */
int rt_host_blkio_device(const char *kind, const char *path, int64_t value,
			 struct lxr_blkio_device *out, lxr_err *err);

/* ---- rootfs plan (mountplan.c) and its executor (rootfs.c) -----------------
 * Like bubblewrap: the spec becomes a list of small typed operations that a
 * unit test can read without root; the executor in the container is dumb. */
enum rt_op_kind {
	RT_OP_MOUNT,    /* mount a filesystem of type fstype at target */
	RT_OP_BIND,     /* bind source (a host path) at target */
	RT_OP_DEVICE,   /* device node (or fifo) at target */
	RT_OP_SYMLINK,  /* target -> source */
	RT_OP_MASK,     /* after pivot: hide target (empty ro tmpfs, or /dev/null) */
	RT_OP_READONLY, /* after pivot: make target read-only */
};

struct rt_op {
	enum rt_op_kind kind;
	char *target; /* absolute path inside the container */
	char *source;
	char *fstype;
	unsigned long flags; /* MS_* */
	char *data;
	unsigned major, minor; /* RT_OP_DEVICE */
	mode_t mode;           /* RT_OP_DEVICE: S_IFCHR/S_IFBLK/S_IFIFO | permissions */
	uid_t uid;             /* RT_OP_DEVICE: owner */
	gid_t gid;
	bool copy_up;    /* RT_OP_BIND: fill an empty source dir from the target's content */
	char *source_ns; /* RT_OP_BIND: source is a path in this mount namespace */
	char *subpath;   /* RT_OP_BIND: what is mounted is this, beneath source */
	char *within;    /* what is left at target: this of what was mounted there */
	bool idmap;      /* RT_OP_BIND: its owners are the container's ids (lxr_mount.idmap) */
	bool volume;     /* RT_OP_BIND: a named volume (lxr_mount.volume) */
	/* RT_OP_BIND: MS_SHARED/MS_SLAVE (| MS_REC) tie it to the host's
	 * mount of source; MS_PRIVATE: none (what every mount is) */
	unsigned long propagation;
};

struct rt_plan {
	struct rt_op *ops;
	size_t n;
	/* v1 hierarchies to mount read-only below /sys/fs/cgroup once the
	 * cgroup namespace is made (rt_rootfs_cgroup_v1): their mount
	 * points' names, each its controllers as systemd names them */
	char **cgroup_v1;
};

/* Host-side files lxr prepared for the container (in its state dir). */
struct rt_etc_files {
	const char *hostname, *hosts, *resolv; /* host paths, NULL to skip */
	bool cgroup2;                          /* mount cgroup2 read-only at /sys/fs/cgroup */
};

void rt_plan_build(const struct lxr_spec *spec, const struct rt_etc_files *etc,
		   struct rt_plan *plan);
/* Does one of the spec's own mounts go on dir or below it? (on dst
 * itself: plan_spec_has_mount) */
bool rt_spec_mounts_below(const struct lxr_spec *spec, const char *dir);
void rt_plan_free(struct rt_plan *plan);
/* After the root is pivoted and the cgroup namespace made: a tmpfs at
 * /sys/fs/cgroup with plan->cgroup_v1's hierarchies, read-only unless rw
 * (docker's view on a v1 host: a JVM reads its memory limit there). A
 * hierarchy the kernel will not mount under that name is left out. */
void rt_rootfs_cgroup_v1(const struct rt_plan *plan, bool rw);

/* What the parent made for a container in a user namespace of its own
 * (userns.c): the container's root cannot reach lxr's private directories
 * by path, and only root of the initial namespace can make idmapped mounts,
 * so every host path it mounts comes as a detached mount. */
struct rt_userns_mounts {
	int *lowers; /* idmapped clones of spec->lower_dirs, in order */
	size_t n_lowers;
	int *trees;        /* per plan op: a clone of its source (-1: none) */
	const char *stage; /* an empty directory the lowers are attached under */
};

/* In the container's mount namespace: make every mount private, mount the
 * overlay at rootdir, run the plan's pre-pivot ops inside it, pivot_root and
 * detach the old root. um: NULL without a user namespace. */
int rt_rootfs_setup(const struct lxr_spec *spec, const char *rootdir, const char *layer,
		    const char *upper, const char *work, const struct rt_plan *plan,
		    const struct rt_userns_mounts *um, lxr_err *err);
/* After pivot (and after sysctls, which need a writable /proc/sys): masks,
 * read-only paths, and / read-only when the spec says so. */
int rt_rootfs_finish(const struct lxr_spec *spec, const struct rt_plan *plan, lxr_err *err);
/* volume_fill.c: a new (empty) volume op->source (or its detached mount,
 * tree) filled from what the image has at op->target, as docker fills one */
int rt_volume_fill(int rootfd, const struct rt_op *op, int tree, lxr_err *err);
/* rootfs_guard.c: 0 unless fd (what target resolved to) is inside the
 * container's procfs, where only lxcfs's files may be mounted on. */
int rt_rootfs_check_target(int fd, const char *target, lxr_err *err);
/* An fd (open flags, O_PATH or O_RDWR) of the container's /dev/null, checked
 * to be the null device (c 1:3), never through a link. */
int rt_open_null(int flags, lxr_err *err);

/* ---- user namespace (userns.c, its range: userns_pool.c) ---------------------
 * The range a spec's container (its directory: dir) maps to: spec->userns,
 * or for AUTO the range lxr's pool (/etc/subuid, /etc/subgid entries of
 * user lxr) has for it, kept in <data_dir>/userns/ranges ("SLOT DIR" lines)
 * until rt_userns_release, or until the directory is gone. */
int rt_userns_resolve(const struct lxr_spec *spec, const char *dir, struct lxr_userns *out,
		      lxr_err *err);
void rt_userns_release(const char *dir);
/* <data_dir>/userns open in *dirfd, and its lock held: the returned fd */
int rt_userns_pool_open(int *dirfd, lxr_err *err);
/* Without idmapped mounts (userns_shift.c): lower's copy with its owners in
 * u's range (*out its path; a store layer's made once per range, any other
 * directory's as the container's own, below its directory dir), and a
 * named volume's owners moved into u's range in place. */
int rt_userns_layer_copy(const char *lower, const struct lxr_userns *u, const char *dir,
			 size_t index, char **out, lxr_err *err);
int rt_userns_volume_shift(const char *source, const struct lxr_userns *u, lxr_err *err);
/* "lxr:START:COUNT" of user in a subuid/subgid file's text: 0, or -1. */
int rt_userns_subid_find(const char *text, const char *user, uint32_t *start, uint32_t *count);
/* The slot key has in a ranges file's text ("SLOT KEY" lines; *found), else
 * the lowest of 0..slots-1 no line takes; -1 when all are taken. */
long rt_userns_slot_pick(const char *text, const char *key, unsigned long slots, bool *found);
/* Written by the parent, before the container goes on. */
int rt_userns_write_maps(pid_t pid, const struct lxr_userns *u, lxr_err *err);
/* A detached clone of path (open_tree), idmapped with userns_fd (-1: not),
 * private unless tied (a bind whose propagation ties it to the host's). */
int rt_userns_tree(const char *path, int userns_fd, bool recursive, bool tied, lxr_err *err);
/* Whether the parent hands op over as a detached mount (rt_userns_mounts):
 * a bind of a host path, or the sysfs of a network namespace the net layer
 * made (rt_userns_sysfs, made by lxr's thread while it is in there). */
bool rt_userns_op_tree(const struct lxr_spec *spec, const struct rt_op *op);
int rt_userns_sysfs(const struct rt_op *op, lxr_err *err);
int rt_userns_op_tree_open(const struct rt_op *op, int userns_fd, const struct lxr_userns *u,
			   lxr_err *err);
bool rt_userns_idmap_refused(int errnum);
int rt_userns_own_dir(const char *dir, const struct lxr_userns *u, lxr_err *err);
int rt_userns_own_cgroup(int cgfd, const struct lxr_userns *u, lxr_err *err);
/* The parent's side (userns_parent.c). joins_enter: lxr's thread enters the
 * namespaces of joins (net, ipc, uts; each fd is consumed) for the clone,
 * own[] holding its own; joins_leave returns. sysfs_of: the sysfs of the
 * plan, if the container needs lxr to make it (*out, -1: none), while in
 * its network namespace. parent_setup: the maps and the delegated cgroup
 * (cgfd: its v2 directory, -1: none). send: after the go byte, every
 * detached mount the child takes (rt_userns_mounts), *sysfs consumed. */
int rt_userns_joins_enter(int *joins, int *own, lxr_err *err);
void rt_userns_joins_leave(int *own);
int rt_userns_sysfs_of(const struct lxr_spec *spec, const struct rt_plan *plan, int *out,
		       lxr_err *err);
int rt_userns_parent_setup(const struct rt_plan *plan, pid_t pid, const struct lxr_userns *u,
			   int cgfd, lxr_err *err);
int rt_userns_send(const struct lxr_spec *spec, const struct rt_plan *plan,
		   const struct lxr_userns *u, const char *dir, pid_t pid, int sock, int *sysfs,
		   lxr_err *err);
/* lxr doctor: lxr's lines in /etc/subuid and /etc/subgid. */
void rt_userns_check(struct lxr_checks *c);

/* ---- in-container init (init.c, init/lxr-init.c) ---------------------------
 * lxr-init forwards signals to the command and reaps everything until it
 * exits. prepare (in the parent, before the clone) puts the program in a
 * sealed memfd the clone inherits; run (in the container, with every signal
 * blocked, the command's stdio on 0-2 and its working directory set)
 * replaces the container's first process with it, and it starts the command
 * (path with args and env; tty: the command's process takes the terminal on
 * 0 as its own). run only returns through rt_child_fail. */
int rt_init_prepare(lxr_err *err);
_Noreturn void rt_init_run(int sync, const char *path, char *const *args, char *const *env,
			   bool tty);
/* The memfd, for a process that closes everything else before it execs. */
int rt_init_fd(void);
/* The last step of every command lxr starts in a container: lxr-init
 * (exec mode) replaces this process and execs path with args and env, so
 * that execve is made by a process whose /proc/self/exe is not lxr's host
 * binary. Its failure comes back on sync. Returns only when lxr-init
 * itself could not be run: err filled, the exit code to report (125). */
int rt_init_exec_command(int sync, const char *path, char *const *args, char *const *env,
			 lxr_err *err);

/* ---- exec (exec.c) -----------------------------------------------------------
 * Find args[0] along PATH from env (not lxr's own environment): 0 and the
 * path to execute in *path (the caller's to free), or, with err naming the
 * command, the exit code to report: 127 (not found), 126 (not executable).
 * rt_exec runs it through lxr-init's exec mode, and only returns on
 * failure, with that code or 125 (lxr's own failure). A failure of the
 * execve itself reaches the parent on sync, from lxr-init. */
int rt_exec_resolve(char *const *args, char *const *env, char **path, lxr_err *err);
int rt_exec(char *const *args, char *const *env, int sync, lxr_err *err);

/* cp's destination file name in dir, open for writing (copy_root.c):
 * whatever is there but a directory replaced (unlinked, made anew O_EXCL),
 * never opened, but a regular file that is a mount point, written over;
 * -1 with errno. */
int rt_cp_open_dest(int dir, const char *name);
/* 0, or -1 with err when fd is on one of the kernel's filesystems (a
 * container's /proc or /sys, reached through a link it planted): lxr cp
 * would read or write there as the host's root. side and path name it. */
int rt_cp_kernel_fs(int fd, const char *side, const char *path, lxr_err *err);

/* ---- the request a fresh image of lxr reads to enter a container
 * (exec_request.c, exec_in.c) ------------------------------------------------- */
struct sock_filter;
#define RT_CG_JOIN_MAX 10 /* >= hierarchies a cgroup spans (cgroup.c checks) */
struct rt_exec_req {
	struct lxr_spec *proc; /* read: the process part only, owned */
	bool filtered;         /* a seccomp program goes in (filter, filter_len) */
	bool profile;          /* it is a profile's, not docker's default (messages) */
	struct sock_filter *filter;
	size_t filter_len;
	int target, sync, stdio[3]; /* descriptor numbers it inherits */
	/* the container's cgroup.procs files (write-only), which the helper
	 * joins first thing; none where the container has no cgroup of its
	 * own to join (rootless without delegation) */
	int join[RT_CG_JOIN_MAX];
	size_t n_join;
	bool detach;
};
/* proc and r as a sealed memfd (close-on-exec until the helper's start
 * hands it over): its fd, or -1 */
int rt_exec_req_write(const struct lxr_spec *proc, const struct rt_exec_req *r, lxr_err *err);
int rt_exec_req_read(int fd, struct rt_exec_req *r, lxr_err *err);
void rt_exec_req_free(struct rt_exec_req *r);
/* The compiled program rt_seccomp_prepare made (len 0: none), and, in the
 * fresh image, the one the request brought, which rt_seccomp_prepare then
 * keeps whatever the spec says (seccomp.c). */
void rt_seccomp_prepared(const struct sock_filter **prog, size_t *len);
void rt_seccomp_adopt(struct sock_filter *prog, size_t len, bool profile);
/* What a filter that did not load is called: "seccomp profile" for a
 * spec's own (or an adopted one's), else "default seccomp filter". */
const char *rt_seccomp_what(const struct lxr_spec *spec);

/* ---- parent <-> container sync (sync.c) -------------------------------------
 * A SOCK_SEQPACKET pair, close-on-exec on the container side: the parent
 * sends one "go" byte once the child is in its cgroups; the container sends
 * its PTY master (SCM_RIGHTS), RT_SYNC_EXECUTING from lxr-init once only
 * the exec of the command is left, and, on failure, one error message. A
 * successful exec closes the last container-side copy: the parent reads
 * EOF. */
enum rt_sync_type { RT_SYNC_ERROR = 1, RT_SYNC_PTY = 2 };
#define RT_SYNC_EXECUTING     "ex" /* two bytes: no other message has that length */
#define RT_SYNC_EXECUTING_LEN 2

struct rt_sync_msg {
	int type;
	int exit_code; /* 125 setup failure, 126 not executable, 127 not found */
	int errnum;
	char msg[LXR_ERR_MSG_MAX];
	char hint[LXR_ERR_HINT_MAX];
};
/* The child's last word: err and the exit code on sync, then _exit(code). */
_Noreturn void rt_child_fail(int sync, int code, const lxr_err *err);

/* A container joining its cgroups itself (v1 and hybrid hosts, where
 * CLONE_INTO_CGROUP cannot place it): the parent opens every hierarchy's
 * cgroup.procs before the clone, the child writes "0" to each first thing.
 * A v1 move waits for an RCU grace period (~10 ms); in the child it
 * overlaps the supervisor's work on the next container instead of
 * stalling it. path[] points into cg, which must outlive the fds. */
struct rt_cg_join {
	int fd[RT_CG_JOIN_MAX];
	const char *path[RT_CG_JOIN_MAX];
	size_t n;
};
/* The names of the v1 hierarchies cg has a leaf in, as their mount points
 * are named ("memory", "cpu,cpuacct"), for the container's own view. */
char **rt_cgroup_v1_mounts(const struct lxr_cgroup *cg);
int rt_cgroup_procs_open(const struct lxr_cgroup *cg, struct rt_cg_join *j, lxr_err *err);
void rt_cgroup_procs_close(struct rt_cg_join *j);
/* Move pid (as the caller's pid namespace numbers it; 0: the caller) into
 * every cgroup of j. */
int rt_cgroup_join(const struct rt_cg_join *j, pid_t pid, lxr_err *err);
/* A restart's reuse of the last life's cgroup (container.c): kill what is
 * left and wait for it to leave, remove what the container made below it,
 * keep the directories and their limits; the OOM count starts over. */
int rt_cgroup_empty(struct lxr_cgroup *cg, lxr_err *err);
/* Made for exactly these limits and device rules. */
bool rt_cgroup_fits(const struct lxr_cgroup *cg, const struct lxr_resources *res);
/* Every directory of cg still exists (ENOENT names the one that does not). */
int rt_cgroup_present(const struct lxr_cgroup *cg, lxr_err *err);

struct rt_child {
	const struct lxr_spec *spec;
	const struct rt_plan *plan;
	const char *rootdir, *upper, *work;
	const char *layer;     /* ephemeral: mount a tmpfs here holding upper and work */
	int sync;              /* container end of the sync pair */
	int stdio[3];          /* become fds 0..2; -1: /dev/null (0) or inherit (1, 2) */
	bool unshare_cgroupns; /* cgroups joined after clone (v1): new cgroupns now */
	/* the parent moves it into its v1 cgroups while it builds its root
	 * (the kernel's RCU wait overlapping that work) and says 'j' when
	 * done: its cgroup namespace waits for that */
	bool await_join;
	/* started vfork's way (rt_container_clone): lxr's memory shared, lxr
	 * waiting until the exec, so the child moves itself into its cgroups
	 * through these (v2 at once, v1 where it would wait for 'j') and
	 * waits for no word. NULL: forked; the parent moves it and says 'g'. */
	const struct rt_cg_join *self_join;
	int join_fd[LXR_NS_COUNT]; /* namespaces to setns() into, -1 for none */
	/* a user namespace of its own: its directory, reached through an fd
	 * once the container is its root; the parent sends the mounts of
	 * rt_userns_mounts after the go byte. NULL: none */
	const char *userns_dir;
};

/* After a clone that shared lxr's memory is gone (exec'd or exited): free
 * what its exec of lxr-init was given (init.c). */
void rt_init_free_exec_leftovers(void);

/* The container side, right after clone. Never returns. */
_Noreturn void rt_child_main(const struct rt_child *c);

/* Shared by start and exec: the command's process from creds to exec, and
 * the parent's reading of the start-up messages. */
int rt_child_open_pty(int sync, const struct lxr_spec *spec, int *slave, lxr_err *err);
_Noreturn void rt_child_exec(const struct lxr_spec *spec, int sync, const int stdio[3], int slave);
/* state.c */
/* The state is written as RT_STATE_STARTING while the container builds its
 * root, and published as "state" (what rt_container_find reads) once the
 * command runs. */
/* etc.c: whether lxr makes the container's /etc/<file> (no mount of the
 * spec's covers it; no hostname without a UTS namespace), and the writing
 * of those it makes into dirfd, the container's directory. */
bool rt_etc_own(const struct lxr_spec *spec, const char *file);
int rt_etc_write(const struct lxr_spec *spec, int dirfd, lxr_err *err);
#define RT_STATE_STARTING "state.starting"
int rt_state_write(const char *dir, const struct lxr_spec *spec, pid_t pid, lxr_err *err);
int rt_state_publish(const char *dir, lxr_err *err);

/* container.c and clone.c: one container, from the parent's side */
struct lxr_container {
	char *id;
	char *dir, *layer, *upper, *work, *rootdir;
	struct lxr_cgroup *cg;
	pid_t pid;
	int pidfd;
	int sync;       /* parent end of the start-up handshake until the exec; -1 after */
	bool executing; /* RT_SYNC_EXECUTING read: started; sync kept for the exec's word */
	int mnt_hold;   /* its mount namespace, held for a detached removal; -1 */
	bool reaped;
	int wstatus;
	bool made_dir;            /* the directory is ours to remove on failure */
	struct lxr_userns userns; /* resolved range; mode HOST: none */
	bool userns_pooled;       /* from lxr's pool: given back on removal */
};

static inline bool rt_container_has_userns(const struct lxr_container *c)
{
	return c->userns.mode != LXR_USERNS_HOST;
}

/* A stack for a child that shares this process's memory: size bytes
 * mapped, guard bytes below them that fault; its top (NULL: no memory). */
char *rt_guarded_stack(size_t size, size_t guard);
/* The detached removal's child (cleaner.c): it shares this process's
 * memory and waits for its 'g', then for this process's exit, then drops
 * hold (a mount namespace, -1 for none) and removes the path given with
 * the 'g'. Returns its pid and this process's end of their socket pair in
 * *go_w, which stays open until this process exits; -1 where it could not
 * be started (or one was already, in this process). */
int rt_cleaner_start(int hold, int *go_w);
/* The 'g' with the renamed directory's path: -1 if it was not sent (the
 * child ends without removing anything once go_w is closed). */
int rt_cleaner_go(int go_w, const char *path);
/* Clone the container and let it go (clone.c). On return (0) it is
 * building its root filesystem; c->sync tells when only its command's exec
 * is left, then when that exec is done. */
int rt_container_clone(struct lxr_container *c, const struct lxr_spec *spec,
		       const struct rt_plan *plan, struct lxr_stdio *io, lxr_err *err);

/* Reads messages until EOF (0) or an error (<0, as rt_container_start); a
 * pid_t-sized message (exec's helper) fills pid, an fd (the pty master)
 * goes to io->pty_master. Not blocking, 1 when nothing more is there yet,
 * and 2 at RT_SYNC_EXECUTING (which a blocking call reads past). */
/* What an exec's caller takes from the socket (SO_PASSCRED on its end):
 * the exec's pid from the helper alone, and who sent the terminal. */
struct rt_sync_peer {
	pid_t helper;   /* the helper's pid, the only one whose pid message counts */
	pid_t pid;      /* out: the pid it reported (0: none yet) */
	pid_t pty_from; /* out: who sent io->pty_master */
};
int rt_sync_step(int sync, const char *what, struct lxr_stdio *io, struct rt_sync_peer *peer,
		 bool block, lxr_err *err);
int rt_sync_await(int sync, const char *what, struct lxr_stdio *io, struct rt_sync_peer *peer,
		  lxr_err *err);
/* A pid message the helper left on the socket, or -1 (what others left is
 * dropped). */
pid_t rt_sync_queued_pid(int sync, pid_t helper);

/* rt_plan_host's image volumes (imgvol.c) */
int rt_image_vols(const struct cfg_service *c, const char *file, struct rt_plan_host *h,
		  lxr_err *err);
void rt_image_vols_free(struct rt_plan_host *h);
/* After op's mount at its target: what is there becomes op->within of it,
 * bound over it (imgmount.c) */
int rt_mount_narrow(int rootfd, const struct rt_op *op, lxr_err *err);
/* The spec's createContainer hooks, in order, in the container's
 * namespaces before pivot_root; rootdir is its mounted root (hooks.c) */
int rt_hooks_create_container(const struct lxr_spec *spec, const char *rootdir, lxr_err *err);

#endif
