/* Supervisor layer, internal: a cursor over one service's CRI log files,
 * oldest rotated file first, yielding whole lines (P records joined to
 * their F). It follows the files by inode, so a rotation between two reads
 * neither skips nor repeats a file; a compressed rotated file (.N.gz) is
 * read through lxr_gunzip and known by the inode of the file it was made from. */
#ifndef LXR_SUPERVISOR_LOGCURSOR_H
#define LXR_SUPERVISOR_LOGCURSOR_H

#include "lxr/supervisor.h"

struct log_cursor;

struct log_line {
	struct timespec ts; /* of the line's first record */
	enum log_stream stream;
	const char *text; /* valid until the next call on the cursor */
	size_t len;
};

/* dirfd is borrowed and must outlive the cursor. since may be NULL. */
struct log_cursor *log_cursor_new(int dirfd, const char *service, const struct timespec *since);
/* 1: *line is the next line; 0: no more for now (end of the newest file);
 * -1: err set. */
int log_cursor_next(struct log_cursor *c, struct log_line *line, lxr_err *err);
/* At the very end of a read: a line still waiting for its F is shown as it
 * is. 1 with *line, or 0 when none is left. */
int log_cursor_finish(struct log_cursor *c, struct log_line *line);
const char *log_cursor_service(const struct log_cursor *c);
/* Records that were not CRI records (skipped). */
uint64_t log_cursor_malformed(const struct log_cursor *c);
void log_cursor_free(struct log_cursor *c);

/* "<service>.log" -> 0, "<service>.log.3" -> 3, "<service>.log.3.gz" -> 3
 * with *gz true (gz may be NULL), anything else -> -1; the service name
 * goes to svc (size bytes). */
int log_file_index(const char *name, char *svc, size_t size, bool *gz);
/* A log's name (log_file_index's svc) as a service and a replica: "web" is
 * web's replica 1, "web@3" its replica 3 ('@' is in no service name). The
 * service goes to svc (size bytes); returns the replica. */
int log_replica(const char *log, char *svc, size_t size);

/* A service whose logging driver keeps no log (lognone.c): the marker
 * <dir>/<service>.nolog names the driver. log_nolog_set writes it and
 * removes the service's log files; log_nolog_clear removes it;
 * log_nolog_driver gives the driver it names (malloc'd) or NULL. */
int log_nolog_set(const char *dir, const char *service, const char *driver, lxr_err *err);
void log_nolog_clear(const char *dir, const char *service);
char *log_nolog_driver(int dirfd, const char *service);

#endif
