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
 * Its first job ("lxr-init run SYNC TTY PATH ARGV..."): made PID 1 by the
 * container's last lxr process, with the command's stdio on 0-2 and its
 * environment, it starts the command's process (a vfork-style clone: it
 * shares this program's memory until its exec, and the init waits for
 * that), which takes a session of its own (and the terminal, TTY "t"),
 * unblocks its signals and execs PATH. The init then closes all it holds
 * and shows only "lxr-init" as its command line. So the command's process
 * is a child of this program, never a copy of lxr.
 *
 * Its second job ("lxr-init exec SYNC PATH ARGV..."): the last step of
 * every other command lxr starts in a container: an `lxr exec`, a health
 * check, a command without an init. Up to here that process is a fork of
 * lxr, and an execve from it of a path that leads back to /proc/self/exe
 * (a script `#!/proc/self/exe`, a /bin/sh that is a link to it) would run
 * the host's lxr binary inside the container. Going through this program
 * first, the last execve is made by a process whose /proc/self/exe is the
 * sealed memfd.
 *
 * Either way, just before that execve it says so on SYNC
 * (RT_SYNC_EXECUTING); a failure of the execve goes back to lxr on SYNC as
 * the start-up handshake's error message; its success closes SYNC
 * (close-on-exec).
 */
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
/* clone_on(FLAGS, STACK, FN, ARG): clone(2) whose child starts on STACK,
 * calls FN(ARG) and never returns; the parent gets the pid (or -errno).
 * The child writes to STACK only, none of the caller's frames. */
__asm__(".text\n"
	"clone_on:\n"
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %rdx, (%rsi)\n"
	"	mov %rcx, 8(%rsi)\n"
	"	mov $56, %eax\n" /* __NR_clone */
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %rbp, %rbp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	hlt\n"
	"1:	ret\n");
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
__asm__(".text\n"
	"clone_on:\n"
	"	and x1, x1, #-16\n"
	"	stp x2, x3, [x1, #-16]!\n"
	"	mov x8, #220\n" /* __NR_clone */
	"	mov x2, xzr\n"
	"	mov x3, xzr\n"
	"	mov x4, xzr\n"
	"	svc 0\n"
	"	cbnz x0, 1f\n"
	"	ldp x2, x0, [sp], #16\n"
	"	mov x29, xzr\n"
	"	blr x2\n"
	"	brk #0\n"
	"1:	ret\n");
#else
#error "lxr-init: add this architecture's syscall entry"
#endif

#define sys(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

long clone_on(long flags, void *stack, void (*fn)(void *), void *arg);

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

/* The handshake's error message on SYNC: "WHAT \"NAME\"" (a hint with
 * ENOENT), then leave with CODE. */
static _Noreturn void report(long sync, long e, long code, const char *what, const char *name)
{
	static struct rt_sync_msg m; /* static: 1.5 KiB is no stack frame */
	unsigned at;

	m.type = RT_SYNC_ERROR;
	m.errnum = (int)e;
	m.exit_code = (int)code;
	at = copy(m.msg, 0, sizeof(m.msg), what);
	at = copy(m.msg, at, sizeof(m.msg), " \"");
	at = copy(m.msg, at, sizeof(m.msg), name);
	copy(m.msg, at, sizeof(m.msg), "\"");
	if (e == 2 && code == 127)
		copy(m.hint, 0, sizeof(m.hint),
		     "the file, or the interpreter it names (#! line or ELF loader), is missing");
	sys6(__NR_sendto, sync, (long)&m, sizeof(m), MSG_NOSIGNAL, 0, 0);
	leave((int)code);
}

/* execve PATH with ARGV (NULL-ended) and ENVP; SYNC closes with it. */
static _Noreturn void exec_command(long sync, const char *path, char **argv, char **envp)
{
	long e;

	sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	sys(__NR_fcntl, sync, F_SETFD, FD_CLOEXEC, 0);
	/* Only the command's exec is left, in a process that holds nothing
	 * of lxr's memory: its caller may count the command started (runc's
	 * start returns here too) and still hears how the exec went. */
	sys6(__NR_sendto, sync, (long)RT_SYNC_EXECUTING, RT_SYNC_EXECUTING_LEN, MSG_NOSIGNAL, 0, 0);
	e = -sys(__NR_execve, path, argv, envp, 0);
	report(sync, e, (e == 2 /* ENOENT */ || e == 20 /* ENOTDIR */) ? 127 : 126, "exec",
	       argv[0] ? argv[0] : path);
}

/* PID 1's loop: every signal but a fault's is taken as data and passed on
 * to CHILD; every child is reaped; CHILD's end is the init's. */
static _Noreturn void be_init(long child)
{
	unsigned long wait = ~FAULTS;

	sys(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &wait, 0, 8);
	/* Reaping comes before every wait, the first one included: a command
	 * that exited before this point raised a SIGCHLD that the default
	 * action (ignore) has discarded (POSIX; Linux flushes it), so it
	 * would never be heard of again. */
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

/* What ps shows of the init: "lxr-init" alone, not the command it runs.
 * The arguments after argv[0] are cleared, and the last byte of the area
 * made non-zero, which is how the kernel knows a process rewrote its
 * command line (it then reads it up to the first NUL). */
static void hide_arguments(long argc, char **argv)
{
	char *end = argv[argc - 1];

	while (*end)
		end++;
	for (char *p = argv[1]; p < end; p++)
		*p = '\0';
	*end = ' ';
}

/* ARGV's pointers and strings, copied to memory of their own, so that
 * the area ps shows can be cleared before the command exists (a command
 * that reads /proc/1/cmdline at once must not find its own arguments
 * there). 0: no memory for it; the arguments stay where they are. */
static char **copy_arguments(long argc, char **argv, unsigned long *size)
{
	unsigned long bytes = 0, ptrs = (unsigned long)(argc + 1) * sizeof(char *);
	char **v, *to;
	long m;

	for (long i = 0; i < argc; i++)
		for (const char *p = argv[i];; p++) {
			bytes++;
			if (!*p)
				break;
		}
	m = sys6(__NR_mmap, 0, (long)(ptrs + bytes), 3 /* PROT_READ | PROT_WRITE */,
		 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
	if (m < 0 && m > -4096)
		return 0;
	v = (char **)m;
	to = (char *)m + ptrs;
	for (long i = 0; i < argc; i++) {
		v[i] = to;
		for (const char *p = argv[i]; (*to++ = *p); p++)
			;
	}
	v[argc] = 0;
	*size = ptrs + bytes;
	return v;
}

struct command {
	long sync;
	char **argv; /* "lxr-init" "run" SYNC TTY PATH ARGV0 ARGV... */
	char **envp;
};

/* The command's process: its own session (the terminal's, with -t), its
 * signals unblocked, then the exec. It runs on the init's memory until
 * the exec (see run_command): syscalls only, on a stack of its own. */
static void command_main(void *arg)
{
	const struct command *cmd = arg;
	unsigned long none = 0;

	sys(__NR_setsid, 0, 0, 0, 0);
	if (cmd->argv[3][0] == 't') {
		long e = sys(__NR_ioctl, 0, 0x540E /* TIOCSCTTY */, 0, 0);
		if (e < 0)
			report(cmd->sync, -e, 125, "make the pty the controlling terminal of",
			       cmd->argv[5]);
	}
	sys(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &none, 0, 8);
	exec_command(cmd->sync, cmd->argv[4], &cmd->argv[5], cmd->envp);
}

/* argv: "lxr-init" "run" SYNC TTY PATH ARGV0 ARGV... */
static _Noreturn void run_command(long argc, char **argv, char **envp)
{
	/* the command's stack until its exec (its calls take under 200 bytes,
	 * -fstack-usage): in this frame, which the init leaves alone while it
	 * waits, and within pages its stack has already */
	char stack[1024] __attribute__((aligned(16)));
	struct command cmd = {.sync = number(argv[2]), .argv = argv, .envp = envp};
	long sync = cmd.sync, child;
	struct k_sigaction dfl = {0};
	unsigned long size = 0;
	char **own = copy_arguments(argc, argv, &size);

	/* cleared before the command can look; without the copy, after its
	 * exec (it needs them until then) */
	if (own) {
		cmd.argv = own;
		hide_arguments(argc, argv);
	}

	/* Every signal arrives blocked (lxr blocked them all before its
	 * exec): those sent from now on wait as pending, for the command
	 * or for the loop. A signal the supervisor ignored would stay
	 * ignored across exec: the default action for all. */
	for (int s = 1; s <= NSIG_; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sys6(__NR_rt_sigaction, s, (long)&dfl, 0, 8, 0, 0);
	/* Not PID 1 (pid: host, or another container's pid namespace): the
	 * command's orphans would go to that namespace's init, or to the
	 * supervisor; as a child subreaper, from before the command exists,
	 * this init keeps them and reaps them, as tini -s does. */
	if (sys(__NR_getpid, 0, 0, 0, 0) != 1)
		sys(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0);
	/* vfork's way: the command's process shares this one's memory until
	 * its exec (or its exit) and the init waits for that, so no copy of
	 * an address space is made for a process that replaces it at once
	 * (a new one costs a millisecond where page tables are shadowed) */
	child = clone_on(0x100 /* CLONE_VM */ | 0x4000 /* CLONE_VFORK */ | SIGCHLD,
			 stack + sizeof(stack), command_main, &cmd);
	if (child < 0)
		report(sync, -child, 125, "fork the command under lxr-init", cmd.argv[5]);
	/* the command's stdio and the handshake are the command's alone */
	for (long fd = 0; fd < 3; fd++)
		sys(__NR_close, fd, 0, 0, 0);
	sys(__NR_close, sync, 0, 0, 0);
	/* the command has execed (or ended): the copy is no one's now */
	if (own)
		sys(__NR_munmap, own, size, 0, 0);
	else
		hide_arguments(argc, argv);
	be_init(child);
}

_Noreturn void init_main(long *sp);
_Noreturn void init_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = (char **)(sp + 1 + argc + 1);

	/* first thing: closed to /proc of whoever is in the container */
	sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	if (argc >= 5 && argv[1][0] == 'e' && argv[1][1] == 'x' && argv[1][2] == 'e' &&
	    argv[1][3] == 'c' && !argv[1][4])
		exec_command(number(argv[2]), argv[3], &argv[4], envp);
	sys(__NR_prctl, PR_SET_NAME, "lxr-init", 0, 0);
	/* Shares fate with the supervisor, as the process it replaced did. */
	sys(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	if (argc >= 6 && argv[1][0] == 'r' && argv[1][1] == 'u' && argv[1][2] == 'n' && !argv[1][3])
		run_command(argc, argv, envp);
	leave(125);
}
