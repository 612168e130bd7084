/* net.h — the thin syscall layer under the UDP workers: datagrams with the
 * address and interface they arrived on (IP_PKTINFO), replies from a chosen
 * source address, and the monotonic clock in milliseconds. */
#ifndef BOOTWARD_NET_H
#define BOOTWARD_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Read one datagram.  Returns its length; 0 when it is unusable (truncated
 * or not IPv4); -1 when there is nothing (more) to read.  *pi is zeroed when
 * the socket gave no IP_PKTINFO. */
ssize_t udp_recv(int fd, void *buf, size_t cap, struct sockaddr_in *from, struct in_pktinfo *pi);

/* Send one datagram to `to`, from address `local` and out of interface
 * `ifindex` when they are not 0 (a multi-homed host answers from the address
 * the client reached; a broadcast has no route to pick an interface).
 * Returns 0, or -1 when the datagram did not leave whole. */
int udp_send(int fd, const struct sockaddr_in *to, struct in_addr local, int ifindex,
	     const void *buf, size_t len);

static inline uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
