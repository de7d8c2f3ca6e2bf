/* What `ps` shows for a process of lxr's: /proc/PID/cmdline is read from the
 * argv strings' memory, so rewriting that memory renames the process without
 * CAP_SYS_RESOURCE (which PR_SET_MM_ARG_START would need). */
#define _GNU_SOURCE
#include <string.h>

#include "lxr/util.h"

extern char **environ;

static char *area, *env_area;
static size_t area_len, env_len;

void lxr_proc_title_init(int argc, char **argv)
{
	size_t n = 0;

	if (argc < 1 || !argv[0])
		return;
	area = argv[0];
	/* argv strings are contiguous; the area ends after the last one */
	area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]) + 1;
	/* so are the environment's, right after: what /proc/PID/environ reads */
	while (environ && environ[n])
		n++;
	if (n) {
		env_area = environ[0];
		env_len = (size_t)(environ[n - 1] + strlen(environ[n - 1]) - environ[0]) + 1;
	}
}

void lxr_proc_scrub_environ(void)
{
	/* what lxr still reads from its environment is read once and kept:
	 * read it before it goes */
	(void)lxr_rootless_uid();
	lxr_dirs_freeze();
	if (env_area)
		explicit_bzero(env_area, env_len);
}

void lxr_set_proc_title(const char *title)
{
	size_t n;

	if (!area || area_len < 2)
		return;
	n = strlen(title);
	if (n > area_len - 1)
		n = area_len - 1;
	memcpy(area, title, n);
	memset(area + n, 0, area_len - n);
}
