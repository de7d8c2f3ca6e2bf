/* The host's platform in OCI terms (image-spec "platform"), from uname. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/utsname.h>

#include "image/internal.h"

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
