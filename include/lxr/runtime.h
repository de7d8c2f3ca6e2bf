/* lxr runtime layer: one container spec -> one running container.
 *
 * A container spec is plain data, mapped field for field onto the OCI runtime
 * spec (config.json) so lxr can later serve as an OCI runtime: process, root,
 * hostname, mounts, namespaces, cgroup resources, capabilities, rlimits,
 * masked and read-only paths. The runtime never reads YAML and never looks
 * anything up that the spec should have said. */
#ifndef LXR_RUNTIME_H
#define LXR_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/spec.h"
#include "lxr/util.h"

/* A spec with docker's defaults: all six namespaces new, docker's default
 * capability set, no_new_privs, init on, the usual masked/read-only paths. */
void rt_spec_init_defaults(struct lxr_spec *spec);
/* Freed with plan_spec_free (the plan layer owns the spec as data). */

/* ---- capabilities --------------------------------------------------------- */
uint64_t rt_caps_docker_default(void);
/* Every capability the running kernel has (--cap-add ALL). */
uint64_t rt_caps_all(void);
/* What a privileged container gets: every capability the running kernel has
 * and lxr itself holds (all of them for root on an ordinary host; a
 * sandbox running lxr without one cannot hand it on). */
uint64_t rt_caps_privileged(void);
/* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin", or "ALL" -> bit mask. */
int rt_cap_from_name(const char *name, uint64_t *mask, lxr_err *err);
/* Docker's layout of the five sets for the process's uid, applied after
 * plan_caps_adjust and rt_user_resolve: uid 0 gets bounding = effective =
 * permitted; any other uid only the bounding set. Inheritable and ambient
 * are always empty (as docker since 20.10.14). */
void rt_caps_for_user(struct lxr_caps *caps, uid_t uid);

/* ---- host devices (hostdev.c) ------------------------------------------------
 * The host's device nodes, for a spec's devices (the plan makes the spec
 * entries: plan_spec_add_device, plan_spec_privileged). */
/* The node at host (links followed) as it would be made at container (NULL:
 * host's path): type, numbers, permission bits and owner. ENOENT for a
 * missing one, ENODEV for a path that is not a char or block device. */
int rt_device_from_host(const char *host, const char *container, struct lxr_device *out,
			lxr_err *err);
/* Every char and block node under the host's /dev, as docker gives a
 * privileged container: without pts/, shm/, mqueue/, fd/ and console. */
int rt_devices_host_all(struct lxr_device **out, size_t *n, lxr_err *err);
void rt_devices_free(struct lxr_device *v, size_t n);
/* What a plan needs of this host for a service (plan_host): every
 * capability the kernel has, its release, the service's devices as the
 * host has them, and for a privileged one every device node. Looked up
 * before anything starts, so a missing device fails at its line (file: the
 * stack file, for the message; NULL for `lxr run`). */
struct rt_plan_host {
	struct plan_host p;
	struct lxr_device *devs, *all;
	size_t n_devs, n_all;
	struct lxr_blkio_device *blkio;
	struct lxr_cdi_edits cdi;
	/* the images of its volumes of type image (pulled when missing) */
	struct img_image *vol_imgs;
	struct plan_image_vol *vols;
	int *vol_holds;     /* their use records (-1: none taken) */
	char ***vol_layers; /* their layers, lxr's empty one at the bottom */
	size_t n_vols;
};
/* image_env: the image's environment (runtime: nvidia reads its
 * NVIDIA_VISIBLE_DEVICES), NULL: none */
int rt_plan_host(const struct cfg_service *svc, char *const *image_env, const char *file,
		 struct rt_plan_host *h, lxr_err *err);
void rt_plan_host_free(struct rt_plan_host *h);
/* svc's first volume of type image, or NULL (imgvol.c) */
const struct cfg_mount *rt_image_vols_first(const struct cfg_service *svc);
/* The images svc's volumes of type image mount, had in st as policy says
 * (enum img_pull_policy, | IMG_PULL_QUIET): up, lxr run and compose run
 * pull them before the plan, which only reads the store. missing (NULL:
 * none is an error): the first one the store lacks where the policy
 * pulls nothing (a dry run), instead of an error. An error names the
 * volume, at its line when file is given. */
struct img_store;
int rt_image_vols_pull(struct img_store *st, const struct cfg_service *svc, int policy,
		       const char *file, const char **missing, lxr_err *err);
/* The use records of the images its volumes mount move to the plan built
 * from it, to be held as long as that plan lives. */
void rt_plan_host_keep(struct rt_plan_host *h, struct plan_instance *p);
/* The CDI devices svc asks for (devices: names, device requests) as the
 * host's CDI specs describe them, merged: nodes with their numbers, mounts,
 * environment, groups, hooks (cdi.c). Nothing asked: *out is empty. */
int rt_cdi_resolve(const struct cfg_service *svc, char *const *image_env, const char *file,
		   struct lxr_cdi_edits *out, lxr_err *err);
/* Every CDI device the host's specs name, sorted (`lxr info`); NULL:
 * none. *warnings: why each spec file left out was (NULL: none). */
char **rt_cdi_list(char ***warnings);

/* ---- users ---------------------------------------------------------------- */
/* Resolve "user", "uid", "user:group", "uid:gid" against the container's
 * /etc/passwd and /etc/group (read below rootfs, never escaping it). Fills
 * uid, gid and the supplementary groups, as docker's -u does. */
int rt_user_resolve(const char *rootfs, const char *user, struct lxr_spec *spec, lxr_err *err);
/* The home directory <rootfs>/etc/passwd gives uid, or "/" when it has no
 * entry (docker's default for HOME). *home is malloc'ed. */
int rt_user_home(const char *rootfs, uid_t uid, char **home, lxr_err *err);
/* HOME=that, unless env sets HOME already (docker's default environment;
 * plan_env_defaults has the rest of it). */
int rt_user_env_home(const char *rootfs, uid_t uid, char ***env, lxr_err *err);
/* The last step of a plan (plan_instance_build), the one that reads the
 * image: user (NULL: root) looked up in the topmost of spec->lower_dirs that
 * has an etc/passwd, the capability sets made docker's for that uid, and
 * HOME from its passwd entry, then group_add's groups (names from its
 * /etc/group, or numbers) as supplementary groups. The same for a stack's
 * instances and `lxr run`. */
int rt_spec_apply_user(struct lxr_spec *spec, const char *user, char *const *group_add,
		       lxr_err *err);

/* ---- cgroups ---------------------------------------------------------------
 * One interface, two backends. The v2 backend uses the unified hierarchy;
 * the v1 backend drives each controller's own hierarchy. A controller is
 * looked up where the host has it (a hybrid host can have memory on v1 and
 * nothing on v2). Everything lxr creates lives below an "lxr" directory in
 * each hierarchy: <hierarchy>/lxr/<group>/<name>. */
enum lxr_cg_version { LXR_CG_V1 = 1, LXR_CG_V2 = 2 };

struct lxr_cgroup;

/* Create the container's cgroup(s) as group/name (e.g. "run/web") and apply
 * res before any process is inside. A limit whose controller the host does
 * not have is an error naming the controller. group and name are single
 * path components ([A-Za-z0-9][A-Za-z0-9_.-]*); the leaf must not exist yet
 * (EEXIST). On failure nothing it made is left. docs/cgroups.md has the
 * layout and the exact semantics (swap, hybrid hosts). */
int rt_cgroup_create(const char *group, const char *name, const struct lxr_resources *res,
		     struct lxr_cgroup **out, lxr_err *err);
/* Rootless lxr: a cgroup lxr/<group>/<id> below the user's delegated
 * cgroup v2 subtree when there is one, else no cgroup of the container's
 * own (*out = NULL, which the other rt_cgroup_* calls take as "none");
 * EPERM naming the limit (and the controller, or the missing delegation)
 * that cannot be had (cgroup_rootless.c). */
int rt_cgroup_rootless(const char *group, const char *id, const struct lxr_resources *res,
		       struct lxr_cgroup **out, lxr_err *err);
/* Rootless, no cgroup: init and its descendants (lxr top). */
int rt_rootless_pids(pid_t init, pid_t **pids, size_t *n, lxr_err *err);
/* lxr doctor as an ordinary user: the delegated cgroup subtree. */
void rt_rootless_check(struct lxr_checks *c);
/* An O_PATH|O_DIRECTORY fd of the v2 cgroup for clone3(CLONE_INTO_CGROUP),
 * or -1 when the cgroup also has v1 directories (hybrid and v1 hosts: then
 * use rt_cgroup_attach). Owned by cg: do not close it. */
int rt_cgroup_v2_fd(const struct lxr_cgroup *cg);
/* What the cgroup could not apply and dropped, as docker drops it (a
 * swappiness on cgroup v2, a weight without an I/O scheduler that takes
 * one): one sentence each, NULL-terminated, or NULL. */
char *const *rt_cgroup_warnings(const struct lxr_cgroup *cg);
/* Move pid into every hierarchy's cgroup. */
int rt_cgroup_attach(struct lxr_cgroup *cg, pid_t pid, lxr_err *err);
/* True if the memory controller recorded an OOM kill in this cgroup. */
bool rt_cgroup_oom_killed(struct lxr_cgroup *cg);
/* Kill every process left in the cgroup (and in cgroups the container made
 * below it), wait for them to leave, remove the directories (lxr/<group> and
 * lxr too when no one else uses them). Always frees cg, also on error; gone
 * directories are no error, so rt_cgroup_open + destroy can run again. */
int rt_cgroup_destroy(struct lxr_cgroup *cg, lxr_err *err);
/* Which backend holds the memory controller on this host (for messages). */
enum lxr_cg_version rt_cgroup_version(void);
/* On a host with v1 hierarchies a container's first process moves into
 * its cgroups by writing cgroup.procs, and the first such move after a
 * quiet while waits for an RCU grace period (the kernel's threadgroup lock
 * leaving its fast mode): 10-20 ms, on a stack's first start. This starts
 * that wait at once, in a child that moves itself into the cgroup it is
 * already in, while the caller does other work. Its pid, for the caller to
 * reap; -1 when there is nothing to warm (pure v2: clone3 places a
 * container in its cgroup, no move). */
pid_t rt_cgroup_warm(void);
/* Find the cgroup an earlier rt_cgroup_create made as group/name, in every
 * hierarchy where it exists (lxr stats from another process; removing what a
 * dead supervisor left). ENOENT when there is none. */
int rt_cgroup_open(const char *group, const char *name, struct lxr_cgroup **out, lxr_err *err);
/* The names of the cgroups under lxr/group in any hierarchy (lxr doctor
 * --repair finds a dead project's cgroups by them). */
char **rt_cgroup_names(const char *group);
/* lxr/<group> and lxr in every hierarchy, removed where empty: what a
 * killed start left before its first container's cgroup (lxr's own
 * groups, `_run` and the like, stay). */
void rt_cgroup_prune(const char *group);
/* Release the handle only; the cgroup stays. */
void rt_cgroup_free(struct lxr_cgroup *cg);

/* What the container uses now. -1 where this host cannot say (the
 * controller is not there). */
struct lxr_cgroup_stats {
	int64_t memory_bytes;   /* memory.current / memory.usage_in_bytes */
	int64_t cpu_usage_usec; /* cpu.stat usage_usec / cpuacct.usage */
	int64_t pids;           /* pids.current: tasks (threads), as the limit counts */
	/* bytes read from and written to block devices: io.stat's rbytes and
	 * wbytes on v2; -1 where lxr keeps no io cgroup (v1, io controller
	 * not enabled) */
	int64_t io_read_bytes, io_write_bytes;
};
int rt_cgroup_stats(struct lxr_cgroup *cg, struct lxr_cgroup_stats *st, lxr_err *err);
/* The bytes received and sent on every interface but lo of the network
 * namespace pid is in (/proc/PID/net/dev), for stats' NET I/O. */
int rt_net_io(pid_t pid, int64_t *rx, int64_t *tx, lxr_err *err);
/* Pause (frozen) or resume every process of the container, and return
 * once the kernel says it is done: v1's freezer.state reads FROZEN (or
 * THAWED), v2's cgroup.events has "frozen 1" (0). The freezer controller
 * on a v1 or hybrid host, else v2's cgroup.freeze; neither is ENOTSUP. */
int rt_cgroup_freeze(struct lxr_cgroup *cg, bool frozen, lxr_err *err);
/* Is the container frozen (paused)? False where it cannot be. */
bool rt_cgroup_frozen(struct lxr_cgroup *cg);
/* Every process in the cgroup and the cgroups below it; *pids is malloc'd. */
int rt_cgroup_pids(struct lxr_cgroup *cg, pid_t **pids, size_t *n, lxr_err *err);

/* ---- running one container ------------------------------------------------ */

/* Where a container's files live: <run_dir>/containers/<id>/ holding upper/,
 * work/, rootfs/ (the overlay mount point), and etc files lxr writes. */
struct lxr_container;

/* I/O wiring for the container's process. With terminal, pty_master is set
 * after start. Without, stdio_fds[0..2] become its stdin/stdout/stderr (-1:
 * /dev/null for stdin, inherited otherwise). */
struct lxr_stdio {
	int fds[3];     /* -1: the container's /dev/null */
	int pty_master; /* out */
	/* rt_exec_in: the process outlives its caller (exec -d) instead of
	 * dying with it (parent-death signal); the container's init reaps it */
	bool detach;
};

/* Create everything (dirs, cgroup, namespaces, rootfs) and exec the process.
 * On any failure everything made so far is removed and the return value says
 * what kind: -127 command not found, -126 not executable, -1 anything else
 * (lxr's own failure, 125 to a user). On success (0) the container's init is
 * a direct child of the caller. */
int rt_container_start(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
		       struct lxr_container **out, lxr_err *err);
/* The same in two halves, for a caller with an event loop: spawn returns
 * once the container is cloned and building its root filesystem (failures
 * so far are undone, as above); when rt_container_sync_fd becomes readable,
 * rt_container_spawn_done says 1 (not yet), 0 (the command runs, or only
 * its exec is left: see rt_container_executing) or <0 as
 * rt_container_start, and then the caller destroys the container. A signal
 * or destroy may come at any time in between. */
int rt_container_spawn(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
		       struct lxr_container **out, lxr_err *err);
/* rt_container_spawn for a restart: *reuse, when not NULL, is the last
 * life's cgroup (rt_container_retire) and is taken (set to NULL): used as
 * it is when it holds the spec's limits, else removed and a new one made.
 * A restart then waits for no mkdir, limit write or rmdir of a cgroup. */
int rt_container_respawn(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
			 struct lxr_cgroup **reuse, struct lxr_container **out, lxr_err *err);
/* The cgroup spec's container will have, made ahead of its start (while
 * the caller would wait for something else), for rt_container_respawn's
 * *reuse. Whoever holds it and does not start removes it
 * (rt_cgroup_destroy). */
int rt_container_cgroup_make(const struct lxr_spec *spec, struct lxr_cgroup **out, lxr_err *err);
int rt_container_sync_fd(const struct lxr_container *c);
int rt_container_spawn_done(struct lxr_container *c, struct lxr_stdio *io, lxr_err *err);
/* spawn_done's 0 comes as soon as only the exec of the command is left,
 * lxr-init's to make (runc's start returns there too); the exec's outcome
 * comes after, on the same descriptor while rt_container_executing says
 * so: rt_container_exec_done then says 1 (not yet), 0 (the command is
 * exec'd; the fd is closed) or <0 with what failed (the exec's own message:
 * the container exits 126 or 127 with it). */
bool rt_container_executing(const struct lxr_container *c);
int rt_container_exec_done(struct lxr_container *c, lxr_err *err);
pid_t rt_container_pid(const struct lxr_container *c);
int rt_container_pidfd(const struct lxr_container *c);
const char *rt_container_dir(const struct lxr_container *c);
/* The file lxr writes as the container's /etc/<file> ("hostname", "hosts",
 * "resolv.conf") in its directory under state_root, or NULL where it
 * writes none: the spec mounts one there (a network endpoint's, a
 * volume), or, for hostname, the container has no UTS namespace of its
 * own. Caller frees. */
char *rt_etc_path(const struct lxr_spec *spec, const char *state_root, const char *file);
/* Settings of its spec the host could not apply and dropped, as docker
 * drops them (rt_cgroup_warnings), for the caller to show. */
char *const *rt_container_warnings(const struct lxr_container *c);
/* Reap the container's init (blocking); idempotent, returns its wstatus. */
int rt_container_wait(struct lxr_container *c);
/* Deliver sig to the container's init through its pidfd (no PID reuse race). */
int rt_container_kill(struct lxr_container *c, int sig, lxr_err *err);
/* After the init exited (status from waitpid): exit code as a shell reports
 * it (N, or 128+signal), and whether the cgroup saw an OOM kill. */
int rt_container_exit_code(int wstatus);
bool rt_container_oom_killed(struct lxr_container *c);
/* console_rows/cols from lxr's own terminal (stdout, else stdin), if any. */
void rt_console_size_from_tty(struct lxr_spec *spec);
/* Pipes between lxr and a process it gives no terminal, as docker and podman
 * do: the process never holds a descriptor of lxr's caller (a terminal, or a
 * file it could reopen through /proc/self/fd and read back). child[] become
 * its fds 0-2 (child[0] only with_stdin, else -1); in, out and err are lxr's
 * ends. All close-on-exec. */
struct lxr_pipes {
	int child[3];
	int in, out, err;
};
int rt_pipes_open(struct lxr_pipes *p, bool with_stdin, lxr_err *err);
/* Once the process runs: lxr keeps only its own ends. */
void rt_pipes_close_child(struct lxr_pipes *p);
void rt_pipes_close(struct lxr_pipes *p);

/* In the foreground: relay the PTY (raw mode on a terminal stdin, window
 * size followed) or, without one, the pipes (stdin in when stdin_open, the
 * command's stdout and stderr to lxr's; pipes may be NULL), forward
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the container, and return
 * the init's wait status once it exits and its output is drained. */
int rt_container_attach(struct lxr_container *c, int pty_master, bool stdin_open,
			struct lxr_pipes *pipes, lxr_err *err);
/* The same relay for any child process (lxr exec): returns once pidfd
 * reports its exit; the caller reaps it. */
int rt_attach(int pidfd, int pty_master, bool stdin_open, struct lxr_pipes *pipes, lxr_err *err);
/* A running container found from its directory (<state_root>/<id>/state,
 * written at start): its init's pid and a pidfd checked against the init's
 * start time, so a recycled pid is never mistaken for the container. */
struct lxr_container_ref {
	pid_t pid;
	int pidfd;
	char *cgroup_group;
	char *id;
	/* the process part of its spec (env, uid/gid/groups, caps, cwd,
	 * no_new_privs, seccomp): what `lxr exec` starts from */
	struct lxr_spec process;
};
/* Returns 0 (found, running), or -1 with err (ESRCH: not running). */
/* A container whose state file ("state", or the one of a start under
 * way) names an init that no longer runs: its lxr died without cleaning up.
 * False with no state file (stopped, or not yet started). */
bool rt_container_dead(const char *state_root, const char *id);
int rt_container_find(const char *state_root, const char *id, struct lxr_container_ref *ref,
		      lxr_err *err);
/* The same, in whichever project of run_dir runs a container named id
 * (docker's container:NAME): ESRCH when none does, EEXIST when several. */
int rt_container_find_any(const char *run_dir, const char *id, struct lxr_container_ref *ref,
			  lxr_err *err);
void rt_container_ref_free(struct lxr_container_ref *ref);

/* Run a process inside a running container (docker exec, health checks):
 * join the container's cgroup (group/name as created) and every namespace of
 * the process behind target_pidfd, then become proc's user with proc's
 * capabilities, no_new_privs and seccomp, and exec proc->args with proc->env
 * in proc->cwd. proc->terminal gives a PTY from the container's devpts
 * (io->pty_master). The new process is a direct child of the caller: *pid
 * and *pidfd are set. Returns like rt_container_start (-126/-127/-1). */
int rt_exec_in(int target_pidfd, const char *group, const char *name, const struct lxr_spec *proc,
	       struct lxr_stdio *io, pid_t *pid, int *pidfd, lxr_err *err);
/* The helper rt_exec_in runs is lxr itself, executed afresh with
 * RT_EXEC_HELPER_ARG: main() hands such a process to rt_exec_helper_main
 * before anything else, which never returns. */
#define RT_EXEC_HELPER_ARG "--lxr-exec-helper"
bool rt_exec_helper_wanted(int argc, char **argv);
_Noreturn int rt_exec_helper_main(int argc, char **argv);
/* rt_exec_in in two halves, for a caller with an event loop (health
 * checks), which must not wait while the process joins and execs: begin
 * starts the helper (a vfork-style clone that only execs lxr afresh; the
 * fresh image joins the container's cgroup) and returns at once; p->sync
 * hangs up (EPOLLHUP) once the command has exec'd or failed, and end then
 * collects the result as rt_exec_in returns it (it waits only until that
 * hang-up). Every begun exec is ended, even one given up on. */
struct rt_exec_pending {
	pid_t helper;
	int sync;
};
int rt_exec_in_begin(int target_pidfd, const char *group, const char *name,
		     const struct lxr_spec *proc, struct lxr_stdio *io, struct rt_exec_pending *p,
		     lxr_err *err);
int rt_exec_in_end(struct rt_exec_pending *p, const char *name, struct lxr_stdio *io, pid_t *pid,
		   int *pidfd, lxr_err *err);
/* Give a begun exec up without waiting for it (end waits for the exec,
 * and the container can hold its process stopped before that): the
 * helper is killed, and *pid is the command's process if the helper had
 * reported it (killed too), else 0. Neither is waited for here: the
 * caller reaps the one it knows, its child; the helper, and a process
 * it had not reported, which its container's end kills, are left to a
 * reaper of stray children. */
void rt_exec_in_abort(struct rt_exec_pending *p, pid_t *pid);
/* SIGKILL to what rt_exec_in_end started and to what it started in turn:
 * it leads a process group of its own (rt_child_exec's setsid), so a
 * health check or hook cut short leaves no `sleep` of its behind. */
void rt_exec_in_kill(pid_t pid);
/* lxr cp (copy_root.c): copy src to dst with docker cp's rules (into an
 * existing directory as its own name, or its contents for DIR/.; a new
 * name otherwise; directories recursively, links as links). Each root is a
 * container's root directory (paths resolved inside it, openat2
 * RESOLVE_IN_ROOT, entries below opened without following), or AT_FDCWD
 * for the host's paths. Devices, fifos and sockets are skipped with a
 * warning. */
struct rt_cp_opts {
	bool archive; /* -a: keep uid/gid (else the caller's) */
	bool follow;  /* -L: a symlink SRC is followed (inside its root) */
	bool to_host; /* the destination is the host: set-id bits are dropped */
	/* to a tar: the source's own filesystem only (lxr export): what is
	 * mounted below it (/proc, /sys, volumes, the /etc files lxr binds)
	 * stands as its mount point, an empty directory or file */
	bool one_fs;
	/* the container's ids when it has a user namespace of its own (its
	 * uid_map/gid_map: ids 0..map_count-1 are host map_uid.., map_gid..):
	 * -a gives the owners as the other side numbers them, as docker cp
	 * does; map_count 0: the host's ids on both sides */
	uint32_t map_uid, map_gid, map_count;
};
/* An owner (gid: a group) of one side as the other numbers it (rt_cp_opts'
 * map; an id the range does not hold becomes nobody, 65534). */
uint32_t rt_cp_owner(const struct rt_cp_opts *o, uint32_t id, bool gid);
/* Into a user-namespaced container (map_count, not to_host): its root
 * belongs to that namespace, where only an id of its range may create a
 * file; enter takes container root's ids as lxr's file-system ids (keeping
 * its capabilities) for the copy, !enter gives lxr its own back. */
int rt_cp_fs_ids(const struct rt_cp_opts *o, bool enter, lxr_err *err);
int rt_cp(int src_root, const char *src, int dst_root, const char *dst, const struct rt_cp_opts *o,
	  lxr_err *err);
/* cp with "-" (copy_tar.c): src as a tar stream on out (its own name as
 * the top member, or its entries for DIR/.), or a tar stream from in
 * extracted into the directory dst, every member's path walked from that
 * directory without following a link and ".." refused. */
int rt_cp_to_tar(int src_root, const char *src, int out, const struct rt_cp_opts *o, lxr_err *err);
/* docker diff (fs_diff.c): the writable layer upper read against lowers
 * (topmost first), as sorted "A PATH", "C PATH", "D PATH" lines; the paths
 * in skip (mount points lxr made) and directories that only hold them are
 * left out. */
int rt_fs_diff(const char *upper, char *const *lowers, char *const *skip, char ***out,
	       lxr_err *err);
/* A running container's layers, from its root mount (pid: its init): the
 * writable one (under the run dir) and the ones below, topmost first; and
 * the paths mounted on it. */
int rt_container_layers(pid_t pid, char **upper, char ***lowers, char ***mounts, lxr_err *err);
int rt_cp_from_tar(int in, int dst_root, const char *dst, const struct rt_cp_opts *o, lxr_err *err);
/* docker create: the container's directory (its writable layer, rootfs/,
 * its /etc files) and volumes, made as its start would make them, and
 * nothing started; a start with reuse_dir runs on it. Not for a
 * throw-away layer (--rm). */
int rt_container_create(const struct lxr_spec *spec, const char *state_root, lxr_err *err);
/* The filesystem of container id (state_root/id) while it does not run:
 * lowers (topmost first) under its writable layer, an overlay mounted
 * nowhere (fsmount), as a directory descriptor; gone when it is closed.
 * Its volumes and bind mounts are not in it. */
int rt_container_fs_open(char *const *lowers, const char *state_root, const char *id, lxr_err *err);
/* Kill what is left, remove cgroup and (remove_upper) the writable layer. */
int rt_container_destroy(struct lxr_container *c, bool remove_upper, lxr_err *err);
/* rt_container_destroy(c, true) for a caller about to exit (`lxr run
 * --rm`): the cgroup is removed and the directory renamed to a temp name at
 * once, so the name is free on return; a detached child removes the files
 * meanwhile (lxr_tmp_sweep and `lxr doctor --repair` find what it could
 * not). */
int rt_container_destroy_detached(struct lxr_container *c, lxr_err *err);
/* rt_container_destroy(c, false) for a container that will start again:
 * its cgroup is emptied (what is left killed, sub-cgroups removed) and
 * handed out in *keep for rt_container_respawn instead of removed. The
 * caller owns *keep and removes it (rt_cgroup_destroy) when no start
 * comes. *keep is NULL when it could not be emptied (it is removed then). */
int rt_container_retire(struct lxr_container *c, struct lxr_cgroup **keep, lxr_err *err);

/* ---- what the kernel offers (features.c) ------------------------------------
 * lxr doctor: namespaces, cgroups (the version, each controller lxr uses, and
 * a container's cgroup made and removed), overlayfs on the data and run
 * directories' file systems, seccomp, pidfd, clone3, openat2, idmapped
 * mounts, and what user namespaces need. Probed for real, in forked children
 * where a probe changes anything; nothing is left behind. */
void rt_features_check(struct lxr_checks *c, const char *data_dir, const char *run_dir);

#endif
