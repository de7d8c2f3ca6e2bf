/* The host's platform in OCI terms (image-spec "platform"), from uname. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/tools/tools.h"

const char *img_host_arch(const char **variant)
{
	static const struct {
		const char *machine, *arch, *variant;
	} map[] = {
	    {"x86_64", "amd64", NULL},    {"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"},
	    {"armv6l", "arm", "v6"},      {"i686", "386", NULL},      {"i386", "386", NULL},
	    {"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL},   {"riscv64", "riscv64", NULL},
	};
	static struct utsname u;

	if (variant)
		*variant = NULL;
	if (!u.machine[0])
		uname(&u);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i].machine)) {
			if (variant)
				*variant = map[i].variant;
			return map[i].arch;
		}
	return u.machine;
}

static bool platform_fits(json_t *p, const char *arch, const char *variant)
{
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *a = json_string_value(json_object_get(p, "architecture"));
	const char *v = json_string_value(json_object_get(p, "variant"));

	if (!os || strcmp(os, "linux") || !a || strcmp(a, arch))
		return false;
	/* arm64 images often say no variant where v8 is meant */
	return !v || !variant || !strcmp(v, variant);
}

int img_index_pick(const char *text, size_t len, char *digest, lxr_err *err)
{
	const char *variant, *arch = img_host_arch(&variant);
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je), *ms, *m;
	size_t i;
	int r = -1;

	if (!j)
		return lxr_fail(err, EBADMSG, "image index: line %d: %s", je.line, je.text);
	ms = json_object_get(j, "manifests");
	json_array_foreach(ms, i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));
		json_t *p = json_object_get(m, "platform");
		/* an index without platforms (a plain OCI layout) has one image */
		if (img_digest_valid(d) &&
		    ((!p && json_array_size(ms) == 1) || platform_fits(p, arch, variant))) {
			memcpy(digest, d, IMG_DIGEST_LEN);
			r = 0;
			break;
		}
	}
	json_decref(j);
	if (r < 0)
		lxr_fail(err, ENOENT, "no image for linux/%s%s%s in the index", arch,
			 variant ? "/" : "", variant ? variant : "");
	return r;
}
