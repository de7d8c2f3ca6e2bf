/* Pieces of layer unpacking that need no archive: path rules and metadata. */
#ifndef LXR_IMAGE_UNPACK_H
#define LXR_IMAGE_UNPACK_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>

#include "lxr/util.h"

/* An entry name made relative and clean: "./a//b/" -> "a/b", "./" -> "".
 * Absolute names and any ".." component are errors. */
int unpack_norm_path(const char *in, char *out, size_t n, lxr_err *err);
/* "a/b/c" -> dir "a/b", base "c" (base points into path). */
void unpack_split(const char *path, char *dir, size_t n, const char **base);
/* Would a relative symlink at dir/<name> with this target climb above the
 * layer root? Absolute targets are resolved in the container's root at
 * run time and never followed here, so they do not escape. */
bool unpack_symlink_escapes(const char *dir, const char *target);
/* Owner, mode, xattrs and times of a just-made entry: through fd when there
 * is one (-1: by name in pfd, never following a symlink). */
int unpack_set_meta(int fd, int pfd, const char *name, struct archive_entry *e, lxr_err *err);
/* rm -rf of pfd/name, never following symlinks. */
int unpack_rm_tree(int pfd, const char *name, lxr_err *err);

#endif
