/* lxr-init: PID 1 inside a container (tini's job). It takes signals as data
 * and forwards them to the command, reaps every orphan, and exits with the
 * command's status (128+N for a signal).
 *
 * Freestanding on purpose: no libc, no heap, a few KiB of code. The
 * supervisor executes it from a sealed memfd (runtime/init.c), so what a
 * process in the container can see of its PID 1 — /proc/1/exe, environ,
 * mem — is this program and nothing of the host: not lxr's binary (the
 * CVE-2019-5736 pattern), not the environment of whoever ran lxr, not the
 * supervisor's memory holding other services' settings. It makes itself
 * non-dumpable first thing, so even those pages are closed to the
 * container's root.
 *
 * The command's pid comes in the environment (LXR_INIT_CHILD=N): argv stays
 * "lxr-init" alone, which is what `ps` in the container shows.
 *
 * Its second job ("lxr-init exec SYNC PATH ARGV..."): the last step of
 * every command lxr starts in a container — its main process, an `lxr
 * exec`, a health check. Up to here that process is a fork of lxr, and an
 * execve from it of a path that leads back to /proc/self/exe (a script
 * `#!/proc/self/exe`, a /bin/sh that is a link to it) would run the host's
 * lxr binary inside the container. Going through this program first, the
 * last execve is made by a process whose /proc/self/exe is the sealed
 * memfd. A failure of that execve goes back to lxr on SYNC as the start-up
 * handshake's error message; its success closes SYNC (close-on-exec). */
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/unistd.h>
#include <sys/socket.h>

#include "runtime/runtime_internal.h"

#define SIGKILL 9
#define SIGSTOP 19
#define SIGCHLD 17
#define NSIG_   64
#define WNOHANG 1

/* Signals the kernel raises for a fault of PID 1 itself are left to act
 * (unblocked): a fault in the init must not be swallowed as data. */
#define FAULTS                                                                                     \
	((1UL << (4 - 1)) | (1UL << (5 - 1)) | (1UL << (6 - 1)) | (1UL << (7 - 1)) |               \
	 (1UL << (8 - 1)) | (1UL << (11 - 1)) | (1UL << (31 - 1)))

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call init_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl init_main\n"
	"	brk #0\n");
#else
#error "lxr-init: add this architecture's syscall entry"
#endif

#define sys(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The kernel's struct sigaction for rt_sigaction (not libc's). */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

static _Noreturn void leave(int code)
{
	for (;;)
		sys(__NR_exit_group, code, 0, 0, 0);
}

static long child_from_env(char **envp)
{
	static const char key[] = "LXR_INIT_CHILD=";

	for (; *envp; envp++) {
		const char *e = *envp;
		unsigned i = 0;
		long pid = 0;

		while (i < sizeof(key) - 1 && e[i] == key[i])
			i++;
		if (i != sizeof(key) - 1)
			continue;
		for (e += i; *e >= '0' && *e <= '9'; e++)
			pid = pid * 10 + (*e - '0');
		return pid;
	}
	return -1;
}

static int status_code(int st)
{
	if ((st & 0x7f) == 0)
		return (st >> 8) & 0xff; /* exited */
	if (((st & 0x7f) + 1) >> 1 > 0)
		return 128 + (st & 0x7f); /* killed by a signal */
	return 1;
}

static unsigned copy(char *to, unsigned at, unsigned max, const char *from)
{
	while (*from && at + 1 < max)
		to[at++] = *from++;
	to[at] = '\0';
	return at;
}

static long number(const char *s)
{
	long n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return n;
}

/* argv: "lxr-init" "exec" SYNC PATH ARGV0 ARGV... */
static _Noreturn void exec_command(char **argv, char **envp)
{
	static struct rt_sync_msg m; /* static: 1.5 KiB is no stack frame */
	long sync = number(argv[2]), e;
	unsigned at;

	sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	sys(__NR_fcntl, sync, F_SETFD, FD_CLOEXEC, 0);
	e = -sys(__NR_execve, argv[3], &argv[4], envp, 0);
	m.type = RT_SYNC_ERROR;
	m.errnum = (int)e;
	m.exit_code = (e == 2 /* ENOENT */ || e == 20 /* ENOTDIR */) ? 127 : 126;
	at = copy(m.msg, 0, sizeof(m.msg), "exec \"");
	at = copy(m.msg, at, sizeof(m.msg), argv[4] ? argv[4] : argv[3]);
	copy(m.msg, at, sizeof(m.msg), "\"");
	if (e == 2)
		copy(m.hint, 0, sizeof(m.hint),
		     "the file, or the interpreter it names (#! line or ELF loader), is missing");
	sys6(__NR_sendto, sync, (long)&m, sizeof(m), MSG_NOSIGNAL, 0, 0);
	leave(m.exit_code);
}

_Noreturn void init_main(long *sp);
_Noreturn void init_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = (char **)(sp + 1 + argc + 1);
	long child;

	if (argc >= 5 && argv[1][0] == 'e' && argv[1][1] == 'x' && argv[1][2] == 'e' &&
	    argv[1][3] == 'c' && !argv[1][4])
		exec_command(argv, envp);
	child = child_from_env(envp);
	unsigned long wait = ~FAULTS;
	struct k_sigaction dfl = {0};

	sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	sys(__NR_prctl, PR_SET_NAME, "lxr-init", 0, 0);
	/* Shares fate with the supervisor, as the process it replaced did. */
	sys(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	if (child <= 0)
		leave(125);
	/* Not PID 1 (pid: host, or another container's pid namespace): the
	 * command's orphans would go to that namespace's init, or to the
	 * supervisor; as a child subreaper this init keeps them and reaps
	 * them, as tini -s does. */
	if (sys(__NR_getpid, 0, 0, 0, 0) != 1)
		sys(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0);
	/* A signal the supervisor ignored would stay ignored across exec and
	 * never reach the command; blocked with its default action, every
	 * signal waits as pending until taken below. Those sent between the
	 * fork and here were blocked all along, so none is lost. */
	for (int s = 1; s <= NSIG_; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sys6(__NR_rt_sigaction, s, (long)&dfl, 0, 8, 0, 0);
	sys(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &wait, 0, 8);
	/* Reaping comes before every wait, the first one included: a command
	 * that exited before this point raised a SIGCHLD that setting its
	 * action to the default (ignore) above has discarded (POSIX; Linux
	 * flushes it), so it would never be heard of again. */
	for (;;) {
		unsigned char info[128]; /* siginfo_t: only the number is used */
		long sig;

		for (;;) {
			int st = 0;
			long p = sys(__NR_wait4, -1, &st, WNOHANG, 0);

			if (p <= 0)
				break;
			if (p == child)
				/* As PID 1, leaving kills the rest of the PID
				 * namespace and the kernel reaps them; in a
				 * shared one the container's cgroup is killed
				 * when the supervisor removes it. */
				leave(status_code(st));
		}
		sig = sys(__NR_rt_sigtimedwait, &wait, info, 0, 8);
		if (sig == -4 /* EINTR */ || sig == SIGCHLD)
			continue;
		/* refused (a seccomp profile without rt_sigtimedwait): there is
		 * no way to wait for anything, and looping would spin at full
		 * CPU; leaving ends the container where it can be seen */
		if (sig < 0)
			leave(125);
		/* A signal to the init is meant for the command (lxr stop,
		 * Ctrl-C through lxr, a health-check kill). */
		sys(__NR_kill, child, sig, 0, 0);
	}
}
