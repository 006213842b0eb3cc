// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: mutated packets for xcloud's receive paths.
 *
 *   pktfuzz geneve --src ADDR --dst ADDR[:PORT] --vni N[,N...] ...
 *       GENEVE datagrams from a UDP socket bound to ADDR: the edge and
 *       gateway receive paths (encap_rcv, options, inner headers).
 *   pktfuzz eth --ifname DEV --dst-mac MAC ...
 *       Ethernet frames with an inner IPv4/IPv6 packet from an AF_PACKET
 *       socket on DEV: an ingress device's hook.
 *
 *   common: --inner-src PFX4,PFX6 --inner-dst PFX4,PFX6 --count N
 *           [--seed N]
 *
 * Prints the seed, then "pktfuzz: sent N ..." with the rate. A datagram
 * the local stack refuses to send (too big for the socket) is not sent
 * and not counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pktfuzz.h"
#include "rng.h"

uint64_t rng_state;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pktfuzz geneve --src ADDR --dst ADDR[:PORT] --vni N[,N...]\n"
		"       pktfuzz eth --ifname DEV --dst-mac MAC\n"
		"         --inner-src PFX4,PFX6 --inner-dst PFX4,PFX6 --count N [--seed N]\n");
	exit(2);
}

/* "A.B.C.D/L,X::Y/L" into @out[0] (IPv4) and @out[1] (IPv6). */
static void parse_nets(char *arg, struct net *out)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(tok, '/');
		bool v6 = strchr(tok, ':') != NULL;
		struct net *n = &out[v6];

		if (!slash)
			usage();
		*slash = 0;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, tok, n->addr) != 1)
			usage();
		n->plen = (unsigned int)atoi(slash + 1);
		n->v6 = v6;
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int open_udp(const char *src, const char *dst)
{
	struct sockaddr_in s = { .sin_family = AF_INET };
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(6081) };
	char host[64], *colon;
	int fd, size = 4 * 1024 * 1024;

	snprintf(host, sizeof(host), "%s", dst);
	colon = strchr(host, ':');
	if (colon) {
		*colon = 0;
		d.sin_port = htons((uint16_t)atoi(colon + 1));
	}
	if (inet_pton(AF_INET, src, &s.sin_addr) != 1 ||
	    inet_pton(AF_INET, host, &d.sin_addr) != 1)
		usage();
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)))
		die("bind");
	if (connect(fd, (struct sockaddr *)&d, sizeof(d)))
		die("connect");
	return fd;
}

static int open_packet(const char *ifname, const char *mac, uint8_t *hdr)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	unsigned int m[6], i;
	int fd;

	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6)
		usage();
	for (i = 0; i < 6; i++) {
		hdr[i] = (uint8_t)m[i];
		hdr[6 + i] = (uint8_t)(0x02 + i);	/* a local source MAC */
	}
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!ll.sll_ifindex)
		usage();
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
		die("bind(AF_PACKET)");
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "vni", required_argument, NULL, 'v' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "inner-src", required_argument, NULL, 'S' },
		{ "inner-dst", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *src = NULL, *dst = NULL, *ifname = NULL, *mac = NULL;
	unsigned long count = 1000, seed = 0, sent = 0, skipped = 0, i;
	static uint8_t buf[14 + PKT_MAX];
	unsigned long long bytes = 0;
	struct nets nets = { 0 };
	bool eth;
	double t0, secs;
	int c, fd;
	char *tok, *save = NULL;

	if (argc < 2)
		usage();
	eth = !strcmp(argv[1], "eth");
	if (!eth && strcmp(argv[1], "geneve"))
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'v':
			for (tok = strtok_r(optarg, ",", &save);
			     tok && nets.nvni < 4; tok = strtok_r(NULL, ",", &save))
				nets.vni[nets.nvni++] = (uint32_t)strtoul(tok, NULL, 0);
			break;
		case 'i': ifname = optarg; break;
		case 'm': mac = optarg; break;
		case 'S': parse_nets(optarg, nets.src); break;
		case 'D': parse_nets(optarg, nets.dst); break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'r': seed = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (eth ? !ifname || !mac : !src || !dst || !nets.nvni)
		usage();
	if (!seed)
		seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
	rng_state = seed;
	printf("pktfuzz: %s seed %lu count %lu (reproduce: --seed %lu)\n",
	       argv[1], seed, count, seed);
	fflush(stdout);

	fd = eth ? open_packet(ifname, mac, buf) : open_udp(src, dst);
	t0 = now();
	for (i = 0; i < count; i++) {
		size_t len;
		ssize_t n;

		if (eth) {
			bool v6;

			/* one MTU at most: a veth drops bigger frames */
			len = gen_inner(buf + 14, 1500, &nets, &v6);
			buf[12] = v6 ? 0x86 : 0x08;
			buf[13] = v6 ? 0xdd : 0x00;
			if (chance(2))		/* version and type disagree */
				buf[12] ^= 0x8e, buf[13] ^= 0xdd;
			if (chance(3))		/* truncated */
				len = rnd((uint32_t)len + 1);
			n = send(fd, buf, 14 + len, 0);
		} else {
			len = gen_geneve(buf, PKT_MAX, &nets);
			n = send(fd, buf, len, 0);
		}
		if (n < 0) {
			if (errno == EMSGSIZE || errno == EINVAL) {
				skipped++;
				continue;
			}
			if (errno == ENOBUFS || errno == EAGAIN) {
				/* the local queue is full: wait, send again */
				sched_yield();
				i--;
				continue;
			}
			die("send");
		}
		sent++;
		bytes += (unsigned long long)n;
		/* Let the receiving softirq keep up: nothing is lost on the
		 * way, so every packet is either counted or delivered. */
		if (!(sent & 63))
			sched_yield();
	}
	secs = now() - t0;
	printf("pktfuzz: sent %lu bytes %llu skipped %lu in %.1f s (%.0f/s)\n",
	       sent, bytes, skipped, secs, secs > 0 ? sent / secs : 0.0);
	close(fd);
	return 0;
}
