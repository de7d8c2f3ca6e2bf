/* What lxr last made sure of in nftables, tied to the kernel's ruleset
 * generation. nf_tables counts every committed transaction (of any table,
 * by any program: nft, iptables-nft, docker, firewalld) in one per-netns
 * generation number, readable over netlink in microseconds. While that
 * number is the one lxr noted after its own last commit, nothing in the
 * ruleset has changed since, so what lxr applied or checked then still
 * holds, and a new process need not run `nft` (5-20 ms of fork, exec, and
 * ruleset listing each) to find it out again. Any commit lxr did not count
 * makes the note stale, and the next sync applies and checks again.
 *
 * The note lives in the run dir (`.net.nft`), is written under the net
 * lock, and names the boot and the network namespace it holds for (a
 * generation number means nothing in another). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "net/net_internal.h"

#define STAMP_FILE ".net.nft"

/* Successful commits this process made (net_nft_apply, iptables-nft-restore) */
static unsigned commits_made;

void net_nft_count_commit(void)
{
	commits_made++;
}

unsigned net_nft_commits(void)
{
	return commits_made;
}

/* "boot <id> netns <inode>": where a generation number is meaningful */
static char *identity(void)
{
	char boot[64] = "";
	struct stat st;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, boot, sizeof(boot) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0 || stat("/proc/self/ns/net", &st) < 0)
		return NULL;
	boot[strcspn(boot, "\n")] = '\0';
	return lxr_xasprintf("boot %s netns %llu", boot, (unsigned long long)st.st_ino);
}

/* The note's lines after its header when it holds for this boot, netns
 * and generation gen; NULL otherwise. */
static char *stamp_body(const char *run_dir, uint32_t gen)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/" STAMP_FILE, run_dir), *text = NULL,
			    *id = identity(), *head = NULL;
	size_t len;
	lxr_err err;

	if (!gen || !id || lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
		return NULL;
	head = lxr_xasprintf("%s gen %u\n", id, gen);
	if (strncmp(text, head, strlen(head)))
		return NULL;
	return lxr_xstrdup(text + strlen(head));
}

/* Does body hold "key value" (value NULL: the line "key")? */
static bool has_line(const char *body, const char *key, const char *value)
{
	_cleanup_free_ char *line = value ? lxr_xasprintf("%s %s", key, value) : lxr_xstrdup(key);
	size_t n = strlen(line);

	for (const char *p = body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && p[n] == '\n')
			return true;
	return false;
}

bool net_stamp_holds(const char *run_dir, const char *key, const char *value)
{
	_cleanup_free_ char *body = stamp_body(run_dir, net_nft_gen());

	return body && has_line(body, key, value);
}

void net_stamp_note(const char *run_dir, const char *key, const char *value, uint32_t before,
		    unsigned commits_before)
{
	uint32_t after = net_nft_gen();
	unsigned ours = commits_made - commits_before;
	/* the other lines still hold only if nobody else committed: the
	 * generation moved by exactly our own commits since it was read */
	_cleanup_free_ char *old = after == before + ours ? stamp_body(run_dir, before) : NULL;
	_cleanup_free_ char *id = identity();
	_cleanup_free_ char *text = NULL;
	size_t len = 0, klen = strlen(key);
	FILE *f;
	int dfd, fd;

	if (!after || !id)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f, "%s gen %u\n", id, after);
	for (char *p = old, *nl; p && (nl = strchr(p, '\n')); p = nl + 1)
		if (strncmp(p, key, klen) || (p[klen] != ' ' && p[klen] != '\n'))
			fprintf(f, "%.*s\n", (int)(nl - p), p);
	if (value)
		fprintf(f, "%s %s\n", key, value);
	else
		fprintf(f, "%s\n", key);
	fclose(f);
	/* Rewritten in place, not through a temp name: a writer killed
	 * mid-way (a SIGKILLed `up`) must leave no temp file behind in the
	 * run dir, and what it can leave is harmless. A reader sees a prefix
	 * of the new text at worst, and has_line matches only whole lines,
	 * each of which is true; a torn header makes the note stale, so the
	 * next sync runs nft again. No fsync: a new boot voids the note. */
	dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = dfd < 0 ? -1
		     : openat(dfd, STAMP_FILE,
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		lxr_debug("note of the nft generation in %s not written", run_dir);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
}
