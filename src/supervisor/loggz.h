/* Supervisor layer, internal: gzip of rotated log files (logging option
 * compress). The writer compresses a rotated file a share at a time from
 * the loop (a 10 MB file at once would hold health checks and stops up),
 * under a temp name that becomes <file>.gz when whole; then the plain file
 * goes. The .gz carries, in its header's extra field (RFC 1952, subfield
 * "LX"), the inode of the file it was made from: a reader that was in the
 * middle of the plain file finds its place again in the compressed one. */
#ifndef LXR_SUPERVISOR_LOGGZ_H
#define LXR_SUPERVISOR_LOGGZ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lxr/util.h"

struct log_gz;

/* Start compressing dirfd/from into dirfd/from.gz (dirfd is duplicated). */
int log_gz_start(int dirfd, const char *from, struct log_gz **out, lxr_err *err);
/* Compress up to budget bytes of the file (SIZE_MAX: to its end). 1: done,
 * from.gz is in place and from is gone; 0: more to do; -1: err set, from
 * is left as it was. The job is freed unless 0 is returned. */
int log_gz_step(struct log_gz *j, size_t budget, lxr_err *err);
/* The name being compressed ("web.log.1"). */
const char *log_gz_source(const struct log_gz *j);
/* Stop: the temp file goes, the plain file stays. NULL is a no-op. */
void log_gz_abort(struct log_gz *j);
/* The inode of the file fd's .gz was made from, from its header: 0, or -1
 * when fd is not such a file. fd's offset is not moved. */
int log_gz_origin(int fd, ino_t *ino);

#endif
