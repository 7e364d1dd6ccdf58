/* SPDX-License-Identifier: MIT */
/*
 * An experiment for bench/scim/run.sh (BENCH_NODELAY=1), not part of idsync:
 * an LD_PRELOAD library that sets TCP_NODELAY on every socket idsyncd
 * accepts, to measure what the server loses to Nagle's algorithm meeting the
 * client's delayed ACK when a response leaves in two TLS records (headers,
 * then body). Built by run.sh with cc; not in meson.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int
nodelay(int fd)
{
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
accept4(int s, struct sockaddr *a, socklen_t *l, int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);

	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
	return nodelay(real(s, a, l, flags));
}

int
accept(int s, struct sockaddr *a, socklen_t *l)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);

	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	return nodelay(real(s, a, l));
}
