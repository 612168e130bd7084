/* net.c — UDP with IP_PKTINFO, shared by tftpd and dhcpd. */
#include "common/net.h"

#include <string.h>
#include <sys/socket.h>

ssize_t udp_recv(int fd, void *buf, size_t cap, struct sockaddr_in *from, struct in_pktinfo *pi)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = from, .msg_namelen = sizeof *from, .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	memset(pi, 0, sizeof *pi);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			memcpy(pi, CMSG_DATA(c), sizeof *pi);
	if ((msg.msg_flags & MSG_TRUNC) || msg.msg_namelen != sizeof *from || from->sin_family != AF_INET)
		return 0;
	return n;
}

int udp_send(int fd, const struct sockaddr_in *to, struct in_addr local, int ifindex,
	     const void *buf, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_name = (void *)to, .msg_namelen = sizeof *to, .msg_iov = &iov, .msg_iovlen = 1 };

	if (local.s_addr != INADDR_ANY || ifindex) {
		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof ctl.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi = { .ipi_ifindex = ifindex, .ipi_spec_dst = local };
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	}
	return sendmsg(fd, &msg, MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}
