/* A probe for seccomp inside a real container: for each argument, make
 * that one call and print "NAME: ok" or "NAME: ERRNAME". Built static
 * (tests/CMakeLists.txt), so it runs in any root filesystem; it uses raw
 * syscalls, so no libc wrapper hides or retries a call.
 *
 *   seccomp_probe keyctl io_uring vsock alg inet no-aslr persona-query
 *                 clone3 userns-clone unknown getpid mkdir:PATH
 *                 i386-getpid i386-keyctl i386-unknown (x86-64: int 0x80)
 *                 session-key:NAME (is a user key NAME in our session keyring?)
 *   seccomp_probe with-key NAME CMD...
 *                 join a session keyring of our own, put a user key NAME in
 *                 it, and exec CMD (on the host: what a container started
 *                 from this session must not possess) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long reap(long pid)
{
	if (pid == 0)
		_exit(0); /* the child of a clone the filter let through */
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

#ifdef __x86_64__
/* A call through the 32-bit x86 entry (int 0x80), with i386's numbers:
 * the filter must cover that syscall table too. */
static long sys32(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
#endif

static long probe(const char *what)
{
	struct clone_args ca = {.exit_signal = SIGCHLD};
	char params[120] = {0}; /* struct io_uring_params */

	if (!strcmp(what, "keyctl"))
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(what, "io_uring"))
		return syscall(SYS_io_uring_setup, 1, params);
	if (!strcmp(what, "vsock"))
		return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
	if (!strcmp(what, "alg"))
		return syscall(SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET, 0);
	/* the kernel reads the family as an int: bits above 32 must not
	 * carry 40 or 38 past the filter */
	if (!strcmp(what, "vsock-hi"))
		return syscall(SYS_socket, 0x100000000UL | 40, SOCK_STREAM, 0);
	if (!strcmp(what, "alg-hi"))
		return syscall(SYS_socket, 0x100000000UL | 38, SOCK_SEQPACKET, 0);
	if (!strcmp(what, "inet"))
		return syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	/* the families after AF_VSOCK stay the kernel's to refuse */
	if (!strcmp(what, "af41"))
		return syscall(SYS_socket, 41 /* AF_KCM */, 12345, 0);
	if (!strcmp(what, "af45"))
		return syscall(SYS_socket, 45 /* AF_MCTP */, 12345, 0);
	if (!strcmp(what, "no-aslr"))
		return syscall(SYS_personality, ADDR_NO_RANDOMIZE);
	if (!strcmp(what, "persona-query"))
		return syscall(SYS_personality, 0xffffffffUL);
	if (!strcmp(what, "clone3"))
		return reap(syscall(SYS_clone3, &ca, sizeof(ca)));
	if (!strcmp(what, "userns-clone"))
		return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0));
	if (!strcmp(what, "unknown"))
		return syscall(1000); /* no kernel has it yet */
	if (!strcmp(what, "getpid"))
		return syscall(SYS_getpid);
#ifdef __x86_64__
	if (!strcmp(what, "i386-getpid"))
		return sys32(20, 0, 0, 0);
	if (!strcmp(what, "i386-keyctl"))
		return sys32(288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(what, "i386-unknown"))
		return sys32(1000, 0, 0, 0);
#endif
	if (!strncmp(what, "session-key:", 12))
		return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user",
			       what + 12, 0);
	if (!strncmp(what, "mkdir:", 6))
		return syscall(SYS_mkdirat, AT_FDCWD, what + 6, 0755);
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "with-key")) {
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "probe-session") < 0 ||
		    syscall(SYS_add_key, "user", argv[2], "host-secret", 11,
			    KEY_SPEC_SESSION_KEYRING) < 0 ||
		    syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", argv[2],
			    0) < 0)
			return perror("with-key"), 2;
		execvp(argv[3], argv + 3);
		return perror(argv[3]), 2;
	}
	for (int i = 1; i < argc; i++) {
		long r = probe(argv[i]);
		const char *name = r < 0 ? strerrorname_np(errno) : "ok";

		printf("%s: %s\n", argv[i], name ? name : "E?");
	}
	return 0;
}
