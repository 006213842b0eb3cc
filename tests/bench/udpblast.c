// SPDX-License-Identifier: GPL-2.0
/*
 * udpblast: send one UDP payload as fast as sendmmsg() allows for a given
 * time, to drive the packet-rate benchmarks. The payload is a file (a
 * crafted GENEVE or VXLAN frame, or anything else); the kernel adds the
 * outer IP and UDP headers. With "raw IFNAME" the file is a whole
 * Ethernet frame, sent on an AF_PACKET socket past the qdisc: far cheaper
 * per packet than the UDP stack, so the node under test, not the sender,
 * is what limits the rate.
 *
 *   udpblast ADDR PORT PAYLOAD_FILE SECONDS
 *   udpblast raw IFNAME FRAME_FILE SECONDS
 *
 * Prints the number of packets the kernel accepted and the seconds it
 * spent sending them (measured here: on a starved emulator the process
 * may start late, so the caller must not assume the interval).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct mmsghdr msgs[BATCH];
	static char payload[9000];
	struct iovec iov;
	unsigned long long sent = 0;
	double start, end;
	socklen_t slen;
	size_t len;
	FILE *f;
	int fd, i, n;

	if (argc != 5) {
		fprintf(stderr, "usage: udpblast ADDR PORT PAYLOAD_FILE SECONDS\n");
		return 2;
	}
	if (argc == 5 && !strcmp(argv[1], "raw")) {
		struct sockaddr_ll *ll = (struct sockaddr_ll *)&ss;

		ll->sll_family = AF_PACKET;
		ll->sll_protocol = htons(ETH_P_ALL);
		ll->sll_ifindex = if_nametoindex(argv[2]);
		if (!ll->sll_ifindex) {
			perror(argv[2]);
			return 1;
		}
		slen = sizeof(*ll);
	} else if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[2]));
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[2]));
		slen = sizeof(*s6);
	} else {
		fprintf(stderr, "udpblast: bad address %s\n", argv[1]);
		return 2;
	}
	f = fopen(argv[3], "rb");
	if (!f) {
		perror(argv[3]);
		return 1;
	}
	len = fread(payload, 1, sizeof(payload), f);
	fclose(f);

	if (ss.ss_family == AF_PACKET) {
		int one = 1;

		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, slen) < 0 ||
		    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			       sizeof(one)) < 0) {
			perror("udpblast: packet socket");
			return 1;
		}
	} else {
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, slen) < 0) {
			perror("udpblast: socket");
			return 1;
		}
	}
	iov.iov_base = payload;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	end = start + atof(argv[4]);
	while (now() < end) {
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			/* ICMP errors from the far end surface here; go on */
			if (errno == ECONNREFUSED || errno == ENOBUFS ||
			    errno == EAGAIN || errno == EHOSTUNREACH)
				continue;
			perror("udpblast: sendmmsg");
			return 1;
		}
		sent += n;
	}
	printf("%llu %.3f\n", sent, now() - start);
	return 0;
}
