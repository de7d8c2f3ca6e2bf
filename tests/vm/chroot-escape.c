/* Docker's classic chroot escape, run as root in a container (docker's
 * default capabilities include CAP_SYS_CHROOT): chroot into a directory,
 * which leaves the working directory outside the new root, climb out of it
 * with "..", chroot there; then list "/". In a container whose root is
 * sound that is still the container's own root. Built static by
 * tests/integration/test_initramfs_vm.sh for tests/vm/initramfs-check.sh. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	struct dirent *e;
	DIR *d;

	mkdir("/jail", 0755);
	if (chroot("/jail") < 0) {
		perror("chroot /jail");
		return 1;
	}
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0) {
		perror("chroot .");
		return 1;
	}
	d = opendir("/");
	while (d && (e = readdir(d)))
		printf("%s\n", e->d_name);
	return 0;
}
