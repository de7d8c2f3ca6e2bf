#define _GNU_SOURCE
#include <errno.h>
#include "image/internal.h"
int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o, lxr_err *err)
{
	return lxr_fail(err, ENOSYS, "pull %s: TODO", ref);
}
