/* Supervisor, internal: the terminal of a foreground `up` (term.c). */
#ifndef LXR_SUPERVISOR_TERM_H
#define LXR_SUPERVISOR_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lxr/supervisor.h"

struct sup;
struct sup_instance;

/* Opens stdout and stderr as the foreground's (nothing for up -d) and
 * queues compose's "Attaching to ..." line */
void sup_term_open(struct sup *s);
/* Once per loop turn, and when the terminal can take more */
void sup_term_flush(struct sup *s);
/* The stack is down: the rest, for as long as the reader takes it */
void sup_term_finish(struct sup *s);
/* The log writer's tee (log_tee_fn): a record on the terminal */
void sup_term_line(void *ctx, const char *log, enum log_stream stream, const struct timespec *at,
		   const char *data, size_t len, bool partial);
/* "web-1 <msg>" on stdout for an attached container; false when it is not
 * shown there (the caller logs it) */
bool sup_term_status(struct sup *s, const struct sup_instance *in, const char *msg);
/* The width the prefixes are padded to */
size_t sup_term_width(struct sup *s);

#endif
