/* lxr util layer: the error type, cleanup helpers, safe path joins, fd
 * passing, logging and small string/vector helpers. Every other layer uses
 * these; this layer uses nothing of lxr's. */
#ifndef LXR_UTIL_H
#define LXR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- errors -------------------------------------------------------------
 * Every fallible function returns a negative int and fills an lxr_err. The
 * message grows context as it travels up: the innermost call names the
 * primitive and the path ("mount overlay on /x"), callers prepend what they
 * were doing ("container web: ..."). errnum is 0 when no errno applies. */
#define LXR_ERR_MSG_MAX  1024
#define LXR_ERR_HINT_MAX 512

typedef struct lxr_err {
	int errnum;
	char msg[LXR_ERR_MSG_MAX];
	char hint[LXR_ERR_HINT_MAX];
} lxr_err;

/* Set err from errnum and a message; always returns -1 so a failing call is
 * one line: `return lxr_fail(err, errno, "mount %s", path);` */
int lxr_fail(lxr_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepend "context: " to err's message; returns -1. */
int lxr_err_wrap(lxr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Attach a what-to-do hint (replaces any earlier one); returns -1. */
int lxr_err_hint(lxr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lxr_err_clear(lxr_err *err);
/* "msg: strerror (ENAME)" into buf; returns buf. */
const char *lxr_err_str(const lxr_err *err, char *buf, size_t len);
/* Print "lxr: error: ...\nhint: ..." to stderr. */
void lxr_err_print(const lxr_err *err);
/* Symbolic name of an errno value ("EINVAL"), or "E?" when unknown. */
const char *lxr_errno_name(int errnum);

/* ---- cleanup helpers ---------------------------------------------------- */
void lxr_freep(void *p);
void lxr_closep(int *fd);
void lxr_fclosep(FILE **f);
void lxr_strvfreep(char ***v);
#define _cleanup_free_   __attribute__((cleanup(lxr_freep)))
#define _cleanup_close_  __attribute__((cleanup(lxr_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(lxr_fclosep)))
#define _cleanup_strv_   __attribute__((cleanup(lxr_strvfreep)))

/* Hand a resource out of a cleanup scope: returns the value, resets the
 * variable so the cleanup does nothing. */
static inline int lxr_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
static inline void *lxr_steal_ptr(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}

/* ---- memory and strings ------------------------------------------------- */
/* Allocation failure is not an error lxr can report usefully: abort. */
void *lxr_xmalloc(size_t n);
void *lxr_xcalloc(size_t n, size_t m);
void *lxr_xrealloc(void *p, size_t n);
/* After start-up: free heap pages, and the code and stack pages start-up
 * alone touched, leave the process's resident set (src/util/trim.c). */
void lxr_mem_trim(void);
char *lxr_xstrdup(const char *s);
char *lxr_xstrndup(const char *s, size_t n);
char *lxr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct tm;
/* "YYYY-MM-DD", then "THH:MM" and ":SS" where they follow: *tm holds
 * them (the rest zero), *parts how many of the three were read (0: not a
 * date, and NULL is returned); the end of what was read, else NULL. */
const char *lxr_scan_datetime(const char *s, struct tm *tm, int *parts);

bool lxr_str_has_prefix(const char *s, const char *prefix);
/* s, in place, fit for a terminal (and for JSON): each control character
 * (C0, DEL, C1; a newline and a tab kept with keep_lines) and each byte
 * that is not part of well-formed UTF-8 becomes one '?'. Returns s. For
 * text that came from a container: a name, a command line, a message. */
char *lxr_term_safe(char *s, bool keep_lines);
/* path is dir or below it, by their strings ("/a/bc" is not within "/a/b") */
bool lxr_path_within(const char *path, const char *dir);
/* sscanf for the conversions lxr uses (src/util/scan.c: white space,
 * literals, %d %i %u %x %o with h/l/ll, %s %c %[set] %n, widths, *):
 * glibc's is 94 KB of the static lxr. lxr_fscanf_line reads one line of f
 * (up to 4 KB) and scans it. */
int lxr_sscanf(const char *s, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
int lxr_vsscanf(const char *s, const char *fmt, va_list ap);
int lxr_fscanf_line(FILE *f, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
struct dirent;
/* scandir's order by name, bytewise: alphasort's in the C locale lxr runs
 * in, without the locale's collation code (4 KB of the static binary) */
int lxr_dirent_cmp(const struct dirent **a, const struct dirent **b);
bool lxr_str_has_suffix(const char *s, const char *suffix);
/* A name the kernel gives a network interface (its dev_valid_name): 1 to
 * 15 bytes, not "." or "..", no '/', ':' or white space; and no '%', which
 * would make it a template the kernel fills in. */
bool lxr_ifname_valid(const char *name);
/* Levenshtein distance; (size_t)-1 for words of 63 bytes or more. */
size_t lxr_edit_distance(const char *a, const char *b);
/* "Did you mean": the candidate closest to word (not word itself) within
 * limit edits, or NULL. limit 0: a third of word's length, 1 to 3. */
const char *lxr_did_you_mean(const char *word, const char *const *cands, size_t n, size_t limit);

/* NULL-terminated string vectors. */
size_t lxr_strv_len(char *const *v);
void lxr_strv_sort(char **v);           /* in strcmp order */
void lxr_strv_push(char ***v, char *s); /* takes ownership of s */
/* dirfd's entries from the first, through a descriptor of their own (a
 * dup shares dirfd's offset, so it is rewound); NULL with errno set */
struct __dirstream;
struct __dirstream *lxr_opendir_dup(int dirfd);
/* the value of key in an environment's "K=V" entries (env NULL: none), or
 * NULL */
const char *lxr_strv_getenv(char *const *env, const char *key);
/* an environment's "K=V": replaces K's entry, else appends a copy */
void lxr_strv_setenv(char ***env, const char *kv);
char **lxr_strv_dup(char *const *v);
bool lxr_strv_has(char *const *v, const char *s);     /* v (NULL: empty) holds s */
char *lxr_strv_join(char *const *v, const char *sep); /* malloc'd; NULL v: "" */
void lxr_strv_free(char **v);
/* Path name patterns: * ? [...] per component, a leading dot only by a
 * dot (glob(3) without its NSS-bound ~user). lxr_glob: the sorted matches
 * (NULL: none) and their number, -1 when a directory cannot be read. */
bool lxr_glob_match(const char *pat, const char *name);
int lxr_glob(const char *pattern, char ***out, lxr_err *err);
/* Go's strconv.ParseBool, which docker and BuildKit use for their flags:
 * 1 t T true TRUE True and their false forms; -1 for anything else. */
int lxr_go_bool(const char *v, bool *out);

/* ---- a small regular expression (regex_min.c) -------------------------------
 * alternatives a|b, ^ and $, atoms (a character, ., \d \w \s, \ before
 * punctuation, [...] [^...] with ranges) each with *, + or ? at will; no
 * groups or counts. lxr_re_check: 0, or -1 with *why (what is not taken);
 * lxr_re_search: whether re matches somewhere in text (re checked). */
int lxr_re_check(const char *re, const char **why);
bool lxr_re_search(const char *re, const char *text);

/* ---- files ---------------------------------------------------------------- */
/* The temp name of a file or directory being made, ".NAME.tmp.PID", until a
 * rename gives it NAME. A kill in between leaves it; lxr_tmp_sweep finds it. */
#define LXR_TMP_INFIX ".tmp."
char *lxr_tmp_name(const char *name);
/* The same name for another writer (a child that will remove it). */
char *lxr_tmp_name_of(const char *name, int pid);
/* The writer's pid in a name lxr_tmp_name gives, or 0 for any other name. */
int lxr_tmp_name_pid(const char *name);
/* Remove the temp names in dir whose writer is dead, or, with all (the
 * caller holds the lock every writer there holds), every one. */
int lxr_tmp_sweep(const char *dir, bool all, lxr_err *err);
/* The same, pushing each path it removed onto *removed (NULL: not kept). */
int lxr_tmp_sweep_report(const char *dir, bool all, char ***removed, lxr_err *err);
/* lxr_tmp_sweep(dir, false), errors ignored, the first time this process
 * asks for dir: where every start of a stack's containers or logs looked,
 * a directory of n of them made starting them quadratic. */
void lxr_tmp_sweep_once(const char *dir);
/* Whether pid names no live process (gone, or a zombie waiting for its
 * reaper): a writer that is gone left its temp names for good
 * (procstat.c). */
bool lxr_pid_gone(int pid);
/* The wall-clock second this boot began (/proc/stat btime, read once), 0
 * if unknown. */
time_t lxr_boot_time(void);
/* pid's state letter (R, S, Z, …) and start time in clock ticks since boot
 * (field 22: two processes with one pid never share it), either NULL when
 * not wanted. 0, or -errno (-ENOENT: no such process). */
int lxr_proc_stat(int pid, char *state, unsigned long long *start);
/* Whether the writer (pid) of temp name dir/name is gone: lxr_pid_gone, or
 * the name is from before this boot and pid is now another program's. */
bool lxr_tmp_writer_gone(int dirfd, const char *name, int pid);
/* Push the paths of the temp names in dir whose writer is gone onto *found,
 * removing nothing (lxr doctor without --repair). */
int lxr_tmp_find_dead(const char *dir, char ***found);
/* Write data to dir/name atomically: temp file, fsync, rename, fsync dir. */
int lxr_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			  lxr_err *err);
/* The same without the fsyncs: for what describes running processes (a
 * container's state file), which a power cut makes stale anyway. A reader
 * still sees the old file or the whole new one. */
int lxr_write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			   lxr_err *err);
/* Create a new file with data, no fsync: for files remade on every start
 * (a container's /etc/hosts), where a torn file after a crash is rebuilt. */
int lxr_write_file_new(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       lxr_err *err);
/* Write a short string to an existing file (cgroup knobs, /proc files). */
int lxr_write_file_at(int dirfd, const char *name, const char *value, lxr_err *err);
/* Whether prog is an executable in a directory of $PATH (default /usr/bin:/bin). */
bool lxr_in_path(const char *prog);
/* text (a resolv.conf) with its nameserver lines replaced by dns, its
 * search/domain lines by search, its options lines by opts, for each one
 * that is given (NULL or empty: kept). Malloc'd. */
char *lxr_resolv_override(const char *text, char *const *dns, char *const *search,
			  char *const *opts);
/* Read a whole small file (<1 MiB) into a NUL-terminated buffer. */
int lxr_read_file_at(int dirfd, const char *name, char **out, size_t *len, lxr_err *err);
/* The same from an open descriptor (name: for errors), up to 1 MiB */
int lxr_read_fd(int fd, const char *name, char **out, size_t *len, lxr_err *err);
/* mkdir -p, each component created with mode. */
int lxr_mkdir_p(const char *path, mode_t mode, lxr_err *err);
/* Copy the contents of directory src into directory dst (empty): files,
 * directories, symlinks (as links) and device/fifo nodes, with owner, mode
 * and times; nothing is followed. Hard links become separate copies and
 * extended attributes are not copied. shown names src in messages. */
int lxr_copy_tree(int src, int dst, const char *shown, lxr_err *err);
/* lxr_copy_tree of what lies on src's own filesystem: a directory below
 * that is another mount is left out (and what is in it) */
int lxr_copy_tree_one_fs(int src, int dst, const char *shown, lxr_err *err);
/* An id shift: ids from..from+count-1 become to..to+count-1; others stay. */
struct lxr_id_shift {
	uint32_t uid_from, gid_from, uid_to, gid_to, count;
};
uint32_t lxr_id_shifted(const struct lxr_id_shift *s, uint32_t id, bool gid);
/* lxr_copy_tree of a whole image layer with its owners shifted: hard
 * links stay links, extended attributes are copied, and dst itself takes
 * src's (shifted) owner, mode and attributes. */
int lxr_copy_tree_shifted(int src, int dst, const struct lxr_id_shift *shift, const char *shown,
			  lxr_err *err);
/* in's bytes to out: copy_file_range, else reads and writes; -1 with errno. */
int lxr_copy_data(int in, int out);
struct timespec;
/* Owner, mode (-1: kept) and times (NULL: kept) of the entry name in dir,
 * set through a descriptor of it (O_PATH | O_NOFOLLOW), never by name: the
 * directory may be one another party writes too, which could swap the
 * name for a link to a host file. The entry must be of type's kind
 * (S_IFMT bits), else -1 with ELOOP; -1 with errno on failure. */
int lxr_entry_set_attrs(int dir, const char *name, mode_t type, uid_t uid, gid_t gid, int mode,
			const struct timespec *ts);
/* fn(dir, name, ctx) for each entry of the open directory dir but "." and
 * "..", until fn returns non-zero (then returned; fn sets err). -1 with
 * err: the directory could not be read. shown names dir in messages. */
int lxr_dir_each(int dir, const char *shown, int (*fn)(int dir, const char *name, void *ctx),
		 void *ctx, lxr_err *err);
/* Whether an open directory holds nothing but "." and "..". */
bool lxr_dir_is_empty(int dirfd);
/* rm -rf that never crosses a mount point and never follows symlinks. */
int lxr_rm_rf(const char *path, lxr_err *err);
/* The mount PATH (under DIRFD; "": DIRFD itself) is on, not following a
 * final link (Linux 5.8+); 0 when the kernel does not say. Unlike st_dev it
 * tells a bind mount of the same filesystem apart, and an overlay's files
 * (whose st_dev is the layer's) from a mount on the overlay. */
uint64_t lxr_mount_id(int dirfd, const char *path);
/* Whether fd (O_PATH will do) is on one of the kernel's own filesystems
 * (procfs, sysfs, cgroupfs, debugfs, securityfs, ...), whose files are
 * views of and knobs for the kernel rather than data: a path a container
 * names, even through an ordinary link, can lead there, and what lxr
 * reads or writes there as the host's root must not be what it copies. */
bool lxr_fd_on_kernel_fs(int fd);
/* openat2(2), tried again (up to LXR_OPENAT2_TRIES times) while it fails
 * with EAGAIN, which RESOLVE_IN_ROOT and RESOLVE_BENEATH return when any
 * rename or mount on the host raced a ".." of the walk: a busy host's
 * container starts would otherwise fail at random. -1 with errno. */
#define LXR_OPENAT2_TRIES 128
struct open_how;
int lxr_openat2(int dirfd, const char *path, const struct open_how *how);
/* Open path below root as if root were "/" (openat2 RESOLVE_IN_ROOT where the
 * kernel has it): symlinks and ".." cannot escape root. */
int lxr_open_in_root(int rootfd, const char *path, int flags, mode_t mode, lxr_err *err);

/* Close every descriptor but the n in keep (-1 entries ignored; at most 16). */
int lxr_close_all_but(const int *keep, size_t n, lxr_err *err);

/* lxr's own RLIMIT_NOFILE soft limit up to its hard limit (a supervisor
 * holds several descriptors per container), remembering the limit it was
 * started with, which lxr_nofile_start gives (false: never raised), so the
 * runtime can give containers that one rather than the raised one. */
void lxr_nofile_raise(void);
bool lxr_nofile_start(struct rlimit *out);

/* ---- checks of the host (lxr doctor) ---------------------------------------
 * Each layer checks what it needs of the host and appends one result per
 * feature: what was found, and for a missing one what breaks without it and
 * how to get it. The CLI prints them. */
enum lxr_check_status { LXR_CHECK_OK, LXR_CHECK_WARN, LXR_CHECK_MISSING };
struct lxr_check {
	char *name; /* "namespace pid", "nft" */
	enum lxr_check_status status;
	char *detail; /* what was found */
	char *breaks; /* what does not work without it (NULL when ok) */
	char *fix;    /* package, sysctl, kernel option, boot parameter (NULL when ok) */
};
struct lxr_checks {
	struct lxr_check *v;
	size_t n;
};
/* Append a result; breaks and fix may be NULL; detail is printf-style. */
void lxr_check_add(struct lxr_checks *c, const char *name, enum lxr_check_status st,
		   const char *breaks, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void lxr_checks_free(struct lxr_checks *c);

/* ---- a call in a child process (call_in_child.c) -------------------------------- */
/* fn(ctx, err) in a forked child, its lxr_err brought back whole: fn's
 * result (0, -1 or -2); -1 with "WHAT: its process died" when the child
 * died without saying why. */
int lxr_call_in_child(int (*fn)(void *ctx, lxr_err *err), void *ctx, const char *what,
		      lxr_err *err);
/* The same in two halves, for work the caller does meanwhile: start fn in
 * a child (-1: it could not be started, err says why), then wait for it
 * and take its result as lxr_call_in_child returns it. */
struct lxr_child {
	pid_t pid;
	int fd; /* where the child's lxr_err comes from */
};
int lxr_child_start(int (*fn)(void *ctx, lxr_err *err), void *ctx, struct lxr_child *c,
		    lxr_err *err);
int lxr_child_finish(struct lxr_child *c, const char *what, lxr_err *err);

/* ---- fd passing over a unix socket (SCM_RIGHTS) -------------------------- */
int lxr_send_fd(int sock, int fd, lxr_err *err);
int lxr_recv_fd(int sock, int *fd, lxr_err *err);

/* ---- logging ------------------------------------------------------------- */
enum lxr_log_level { LXR_LOG_ERROR, LXR_LOG_WARN, LXR_LOG_INFO, LXR_LOG_DEBUG };
extern enum lxr_log_level lxr_log_level;
void lxr_log(enum lxr_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define lxr_warn(...) lxr_log(LXR_LOG_WARN, __VA_ARGS__)
#define lxr_info(...) lxr_log(LXR_LOG_INFO, __VA_ARGS__)
#define lxr_debug(...)                                                                             \
	do {                                                                                       \
		if (lxr_log_level >= LXR_LOG_DEBUG)                                                \
			lxr_log(LXR_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/* ---- process title --------------------------------------------------------
 * main() hands over argv once; lxr_set_proc_title then rewrites the memory
 * /proc/PID/cmdline shows (what `ps` prints), within argv's original size. */
void lxr_proc_title_init(int argc, char **argv);
void lxr_set_proc_title(const char *title);
/* Zero the environment strings lxr started with, which /proc/PID/environ
 * shows: for a fork about to enter a container (it uses the spec's). */
void lxr_proc_scrub_environ(void);

/* ---- where lxr keeps things (docs/architecture.md) ------------------- */
/* Each resolves env var, then built-in default. Returned strings are static. */
/* The directories as they are now, kept: for a process about to zero its
 * environment (lxr_proc_scrub_environ). */
void lxr_dirs_freeze(void);
const char *lxr_run_dir(void); /* LXR_RUN_DIR, /run/lxr */
/* Root with the default run directory: a tmpfs of lxr's own on /run/lxr
 * where /run is not one, mounted once, when /run/lxr holds no state
 * (rundir_tmpfs.c). Called by the CLI before a command that makes run state. */
void lxr_run_dir_prepare(void);
/* The pseudo-project under the run dir whose networks several projects
 * share (`lxr network create`, a stack network's `name:`). */
#define LXR_SHARED_NET_PROJECT "_net"
const char *lxr_data_dir(void); /* LXR_DATA_DIR, /var/lib/lxr */
/* lxr.conf [logs]: the rotation every service's log gets unless its
 * logging.options say otherwise; 0 leaves the built-in default. */
void lxr_log_limits_configure(int64_t max_size, int max_file);
void lxr_log_limits(int64_t *max_size, int *max_file);
/* lxr.conf [network]: the subnet pool (addr/prefix, host order) and each
 * network's prefix length; 0 leaves the built-in default. */
void lxr_net_pool_configure(uint32_t addr, int prefix, int size);
void lxr_net_pool_conf(uint32_t *addr, int *prefix, int *size);
const char *lxr_log_dir(void); /* LXR_LOG_DIR, /var/log/lxr */
/* lxr.conf [limits] pids: every container's pids.max unless its own limit
 * says otherwise; 0 leaves the built-in default, -1 is unlimited. */
#define LXR_PIDS_LIMIT_DEFAULT 4096
void lxr_pids_limit_configure(int64_t limit);
int64_t lxr_pids_limit_default(void);
/* lxr.conf [userns] mode: whether containers get a user namespace of
 * their own with root mapped to a subordinate range (docs/security.md).
 * HOST: none, container root is host root; AUTO: a range of
 * LXR_USERNS_SIZE ids per container from lxr's pool in /etc/subuid and
 * /etc/subgid; RANGE: the fixed range start:count for every container. */
enum lxr_userns_mode { LXR_USERNS_HOST, LXR_USERNS_AUTO, LXR_USERNS_RANGE };
#define LXR_USERNS_SIZE 65536u
void lxr_userns_configure(enum lxr_userns_mode mode, uint32_t start, uint32_t count);
void lxr_userns_conf(enum lxr_userns_mode *mode, uint32_t *start, uint32_t *count);
/* [userns] shift = copy: layers and volumes shifted by copy even where
 * idmapped mounts work (userns_shift.c) */
void lxr_userns_shift_configure(bool copy);
bool lxr_userns_shift_copy(void);
/* lxr.conf [cgroup] parent: "auto" (or NULL), "none" or a cgroup v2 path,
 * as given (the runtime's rt_cg_host_base reads it; docs/cgroups.md). */
void lxr_cgroup_parent_configure(const char *parent);
const char *lxr_cgroup_parent(void);
/* Where CDI specs are read from, in rising priority ([cdi] spec_dirs in
 * lxr.conf; NULL: /etc/cdi, then /var/run/cdi, as docker and podman) */
void lxr_cdi_dirs_configure(char *const *dirs);
char *const *lxr_cdi_dirs(void);
/* Rootless lxr (docs/rootless.md): the host uid of the ordinary user whose
 * lxr this is, running as root of that user's namespace, or -1 (root).
 * Then the defaults above are the user's: $XDG_RUNTIME_DIR/lxr,
 * ~/.local/share/lxr, ~/.local/share/lxr/logs, ~/.config/lxr/lxr.conf. */
#define LXR_ROOTLESS_ENV "LXR_ROOTLESS_UID"
long lxr_rootless_uid(void);
/* lxr.conf's path when LXR_CONFIG does not say: root_default for root. */
const char *lxr_settings_path(const char *root_default);
/* lxr.conf values: used where the environment variable is not set (the
 * environment is the more specific setting). NULL leaves one unchanged. */
void lxr_dirs_configure(const char *run_dir, const char *data_dir, const char *log_dir);
/* lxr doctor: the data, run and log directories are writable (or can be made). */
void lxr_dirs_check(struct lxr_checks *c);

#endif
