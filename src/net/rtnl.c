/* rtnetlink requests as data: a request is built in a buffer (header,
 * attributes, nests) that a unit test can read back without root, then
 * sent and answered on a NETLINK_ROUTE socket. lxr asks the kernel for a
 * handful of link, address and route operations; the messages are the
 * kernel's own (linux/rtnetlink.h), with no library between. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "net/net_internal.h"

void net_nl_req_init(struct net_nl_req *q, uint16_t type, uint16_t flags, const void *hdr,
		     size_t len)
{
	memset(q, 0, sizeof(*q));
	q->nh.nlmsg_type = type;
	q->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	q->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	if (len > sizeof(q->buf) - NLMSG_HDRLEN)
		q->overflow = true;
	else
		memcpy(NLMSG_DATA(&q->nh), hdr, len);
}

struct rtattr *net_nl_attr(struct net_nl_req *q, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(q->nh.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(q->buf + off);

	/* the requests lxr makes are small and bounded; a name or alias too
	 * long for the buffer fails the request (EMSGSIZE), it is not cut */
	if (q->overflow || off + RTA_SPACE(len) > sizeof(q->buf)) {
		q->overflow = true;
		return NULL;
	}
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	q->nh.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return a;
}

struct rtattr *net_nl_attr_str(struct net_nl_req *q, uint16_t type, const char *s)
{
	return net_nl_attr(q, type, s, strlen(s) + 1);
}

struct rtattr *net_nl_attr_u32(struct net_nl_req *q, uint16_t type, uint32_t v)
{
	return net_nl_attr(q, type, &v, sizeof(v));
}

void net_nl_nest_end(struct net_nl_req *q, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (unsigned short)((char *)&q->nh + q->nh.nlmsg_len - (char *)nest);
}

void net_nl_attrs(const struct rtattr *a, size_t len, const struct rtattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		int t = a->rta_type & NLA_TYPE_MASK;
		if (t <= max)
			tb[t] = a;
	}
}

const char *net_nl_str(const struct rtattr *a)
{
	/* the kernel's strings end in a NUL; one that does not is not read */
	if (!a || RTA_PAYLOAD(a) == 0 || ((const char *)RTA_DATA(a))[RTA_PAYLOAD(a) - 1])
		return NULL;
	return RTA_DATA(a);
}

int net_nl_open(struct net_nl **out, lxr_err *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return lxr_fail(err, errno, "open an rtnetlink socket");
	*out = lxr_xmalloc(sizeof(**out));
	(*out)->fd = fd;
	(*out)->seq = 0;
	return 0;
}

void net_nl_close(struct net_nl *sk)
{
	if (sk) {
		close(sk->fd);
		free(sk);
	}
}

/* Sends q and reads the answer: each message of the reply goes to fn
 * (when given) until the kernel's error or acknowledgement, or the end of
 * a dump. 0, or -errno (the kernel's, or fn's). */
int net_nl_call(struct net_nl *sk, struct net_nl_req *q, net_nl_fn fn, void *ctx)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int ret = 0;

	if (q->overflow)
		return -EMSGSIZE;
	q->nh.nlmsg_seq = ++sk->seq;
	/* Asked always: a request ends with the kernel's error or ack, a
	 * dump with NLMSG_DONE (the kernel sends no ack after a dump). */
	q->nh.nlmsg_flags |= NLM_F_ACK;
	while (sendto(sk->fd, &q->nh, q->nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0)
		if (errno != EINTR)
			return -errno;
	for (;;) {
		/* MSG_TRUNC: the datagram's whole length, so one too big for buf
		 * fails here instead of waiting for a rest that never comes */
		ssize_t n = recv(sk->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != q->nh.nlmsg_seq)
				continue; /* an answer to an earlier, abandoned request */
			if (nh->nlmsg_type == NLMSG_DONE)
				return ret;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error ? e->error : ret;
			}
			/* after fn fails, the rest of the reply is still read, so
			 * the socket is clean for the next request */
			if (fn && ret == 0)
				ret = fn(nh, ctx);
		}
	}
}
