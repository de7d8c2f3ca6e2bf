/* Supervisor layer, internal: the control server's state, shared by
 * ctl_server.c (socket, accept, dispatch) and ctl_io.c (lines in, replies
 * and events out). */
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

struct ctl_client *ctl_find(struct ctl_server *s, uint64_t id);
void ctl_drop(struct ctl_server *s, struct ctl_client *c);
void ctl_reap(struct ctl_server *s);
int ctl_watch_out(struct ctl_server *s, struct ctl_client *c, bool on);
void ctl_flush(struct ctl_server *s, struct ctl_client *c);
void ctl_on_readable(struct ctl_server *s, struct ctl_client *c);

#endif
