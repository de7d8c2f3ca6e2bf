/* Where a COPY source lands: the destination paths of its files, from the
 * destination as written, the source's path and --parents' pivot. */
#define _GNU_SOURCE
#include <string.h>

#include "build/build_internal.h"

/* Where one source lands: below DST as its path from the --parents pivot
 * (KEPT), DST itself for a directory's contents or a single file named so,
 * else DST/BASENAME. */
char *bldx_dest_top(const char *dst, const char *kept, bool isdir, bool dest_dir, const char *bn)
{
	const char *d = strcmp(dst, "/") ? dst : "";

	if (*kept)
		return lxr_xasprintf("%s/%s", d, kept);
	if (isdir || !dest_dir)
		return lxr_xstrdup(dst);
	return lxr_xasprintf("%s/%s", d, bn);
}

/* --parents: the components of a source's path before a `/./` in it are
 * dropped, the rest kept under the destination (BuildKit's pivot) */
size_t bldx_pivot_depth(const char *arg)
{
	const char *p = strstr(arg, "/./");
	size_t n = 0;

	if (!p)
		return 0;
	_cleanup_free_ char *pre = lxr_xstrndup(arg, (size_t)(p - arg));
	_cleanup_free_ char *c = bldx_clean_abs(NULL, pre);
	for (const char *q = c; *q; q++)
		n += *q == '/' && q[1];
	return n;
}

const char *bldx_skip_components(const char *path, size_t n)
{
	if (!strcmp(path, "."))
		return "";
	for (; n > 0 && *path; n--) {
		const char *sl = strchr(path, '/');
		path = sl ? sl + 1 : path + strlen(path);
	}
	return path;
}
