/* Supervisor layer, internal: the control server's state, shared by
 * ctl_server.c (socket, accept, dispatch), ctl_io.c (a client: lines in,
 * replies and events out, its end) and ctl_line.c (a line parsed into a request). */
#ifndef LXR_SUPERVISOR_CTL_INTERNAL_H
#define LXR_SUPERVISOR_CTL_INTERNAL_H

#include "lxr/supervisor.h"

struct ctl_sub {
	char *topic;
	json_int_t id; /* the request that subscribed */
};

struct ctl_client {
	uint64_t id;
	int fd; /* -1: closed, freed at the next reap */
	uid_t uid;
	pid_t pid;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_off, out_len, out_cap;
	bool out_armed;   /* EPOLLOUT is in the epoll set */
	bool rearm;       /* the epoll mask must be rewritten */
	bool read_closed; /* the peer shut down its side, or sent too much */
	size_t owed;      /* requests not answered yet */
	struct ctl_sub *subs;
	size_t nsubs;
	struct ctl_client *next;
};

struct ctl_server {
	int lfd, epfd;
	char *path;
	dev_t dev;
	ino_t ino;
	struct ctl_server_opts o;
	struct ctl_client *clients;
	uint64_t next_id;
	bool in_dispatch;
};

/* One line from a client (without its '\n'), parsed (ctl_line.c). */
struct ctl_line {
	json_t *doc;      /* the parsed line, when it parsed */
	json_t *id;       /* in doc, once known to be an integer: for the reply */
	const char *cmd;  /* in doc */
	json_t *args;     /* an object: doc's, or own_args when the line had none */
	json_t *own_args; /* the empty object for a line without args */
	char error[JSON_ERROR_TEXT_LENGTH + 64]; /* why the line is no request */
};
/* 1: a request (id, cmd, args set); 0: a blank line, which is not
 * answered; -1: rejected, error says why (and id is set when the line had
 * one). ctl_line_free after every call. */
int ctl_line_parse(const char *line, size_t len, struct ctl_line *l);
void ctl_line_free(struct ctl_line *l);

/* ---- clients (ctl_io.c) ---- */
/* fd into (op) the server's epoll set for events, tagged id */
int ctl_epoll_set(struct ctl_server *s, int op, int fd, uint32_t events, uint64_t id);
struct ctl_client *ctl_find(struct ctl_server *s, uint64_t id);
void ctl_drop(struct ctl_server *s, struct ctl_client *c);
void ctl_reap(struct ctl_server *s);
int ctl_watch_out(struct ctl_server *s, struct ctl_client *c, bool on);
void ctl_flush(struct ctl_server *s, struct ctl_client *c);
void ctl_on_readable(struct ctl_server *s, struct ctl_client *c);

#endif
