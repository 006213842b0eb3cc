// SPDX-License-Identifier: GPL-2.0
/* Unit tests of xcloudd's configuration. TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/xcloud.h>
#include "config.h"
#include "tap.h"

static int load(struct xd_conf *c, const char *text)
{
	char path[] = "/tmp/xcloudd-test-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		return -2;
	close(fd);
	r = xd_conf_load(c, path);
	unlink(path);
	return r ? r : xd_conf_check(c);
}

static const char good[] =
	"[agent]\nrole = switch\ncloud = A\nnode = cnA1\n"
	"underlay = 10.255.0.11\netcd = http://127.0.0.1:2379\n"
	"[vni 100]\ndevice = xc100\n";

int main(void)
{
	struct xd_conf c;
	char dev[16];

	printf("TAP version 13\n");
	xd_conf_init(&c);
	ok(!load(&c, good), "complete file loads");
	ok(c.role == XD_ROLE_SWITCH && !strcmp(c.node, "cnA1") &&
	   !strcmp(xd_conf_vni(&c, 100)->device, "xc100") && c.lease_ttl == 10 &&
	   !strcmp(c.prefix, "/xcloud"), "values and defaults");
	xd_conf_free(&c);

	xd_conf_init(&c);
	xd_conf_set(&c, "node", "other");
	ok(!load(&c, good) && !strcmp(c.node, "other"), "flags win over the file");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = bogus\n") < 0 && strstr(c.err, "line 2") &&
	   strstr(c.err, "aggregation or router"), "bad role names its line");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nunderlay = 10.0.0.300\n") < 0 &&
	   strstr(c.err, "underlay"), "bad underlay address refused");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = gateway\nunderlay = fe80::1%eth0\n") < 0 &&
	   strstr(c.err, "line 3") &&
	   strstr(c.err, "underlay must be an IPv4 or IPv6 address") &&
	   xd_conf_set(&c, "underlay", "10.0.0.0/8") &&
	   xd_conf_set(&c, "underlay", " 10.0.0.1") &&
	   xd_conf_set(&c, "underlay", "10.0.0.1 ") &&
	   xd_conf_set(&c, "underlay", "") && !c.underlay,
	   "scoped IPv6, a prefix, spaces: underlay refused, the file's with its line");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = gateway\nnode = g\nunderlay =   fd00::1  \n"
		     "etcd = http://x:1\n") && !strcmp(c.underlay, "fd00::1") &&
	   !xd_conf_set(&c, "underlay", "::ffff:10.0.0.1") &&
	   !strcmp(c.underlay, "::ffff:10.0.0.1"),
	   "spaces around the file's value are not the value's; IPv4-mapped IPv6 taken");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = gateway\nnode = g\nunderlay = ::1\n"
		     "etcd = http://x:1\n") && !c.nvnis &&
	   c.table_first == XD_TABLE_FIRST && c.table_last == XD_TABLE_LAST &&
	   c.port == 6081 && c.tunnels == XCLOUD_TUNNELS_ONDEMAND &&
	   !c.metrics_listen && c.metrics_max_peers == XD_METRICS_MAX_PEERS,
	   "no [vni N] needed (the store declares networks); defaults (metrics off)");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		     "etcd = http://x:1\ntable-range = 5000-5999\nport = 7081\n"
		     "tunnels = eager\n[vni 200]\nvrf = tenant2\n"
		     "prefixes = 10.0.0.0/8, fd00::/64\n") &&
	   c.table_first == 5000 && c.table_last == 5999 && c.port == 7081 &&
	   c.tunnels == XCLOUD_TUNNELS_EAGER && c.nvnis == 1 &&
	   !strcmp(xd_vni_devname(&c, 200, dev), "xc200") &&
	   !strcmp(xd_vni_vrfname(&c, 200, dev), "tenant2") &&
	   !strcmp(xd_vni_vrfname(&c, 300, dev), "xvrf300"),
	   "table-range, port, tunnels, [vni N] vrf and prefixes");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\ntable-range = 100-300\n") < 0 &&
	   strstr(c.err, "line 2") && strstr(c.err, "256"),
	   "table range over the kernel's own tables refused");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[vni 0]\ndevice = x\n") < 0 && strstr(c.err, "1..16777215") &&
	   load(&c, "[vni 16777216]\ndevice = x\n") < 0,
	   "VNI 0 and 2^24 refused");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[vni 5]\nprefixes = 10.0.0.1/8\n") < 0 &&
	   strstr(c.err, "host bits") &&
	   load(&c, "[vni 6]\ndevice = a/b\n") < 0,
	   "bad prefixes and device names refused");
	xd_conf_free(&c);

	xd_conf_init(&c);
	for (unsigned int i = 1; i <= 5000 && !xd_conf_add_vni(&c, i, NULL); i++)
		;
	ok(c.nvnis == 5000, "5,000 networks in one configuration (no cap)");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[vni abc]\ndevice = x\n") < 0 && strstr(c.err, "vni"),
	   "bad vni section refused");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = router\nrouter = vr2\netcd = http://x:1\n") &&
	   c.role == XD_ROLE_ROUTER && !strcmp(c.node, "vr2") &&
	   !strcmp(c.bird_socket, "/run/bird/bird.ctl") &&
	   !strcmp(c.bird_config, "/etc/bird/bird.conf") &&
	   !strcmp(c.bird_include, "/run/xcloud/bird/eip.conf"),
	   "router role: no device or underlay needed, BIRD defaults");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = router\netcd = http://x:1\n") < 0 &&
	   strstr(c.err, "needs router"), "router role without a router name");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = aggregation\netcd = http://x:1\n") < 0 &&
	   strstr(c.err, "needs eip-device"), "aggregation role without eip-device");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = aggregation\neip-device = xceip\n"
		     "etcd = http://x:1\nbird-socket = /run/b.ctl\n"
		     "bird-config = /etc/b.conf\nbird-include = /run/e.conf\n") &&
	   !strcmp(c.eip_device, "xceip") && !strcmp(c.bird_socket, "/run/b.ctl") &&
	   !strcmp(c.bird_include, "/run/e.conf"), "aggregation role with paths");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = aggregation\neip-device = xceip\n"
		     "eip-ingress = eth0\netcd = http://x:1\n") &&
	   !strcmp(c.eip_ingress, "eth0"), "aggregation role with eip-ingress");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = router\nrouter = vr1\n"
		    "eip-ingress = eth0\netcd = http://x:1\n") < 0 &&
	   strstr(c.err, "keys of role aggregation"),
	   "eip-ingress refused for role router");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = router\nrouter = vr1\n"
		     "eip-handoff = br-ex\netcd = http://x:1\n") &&
	   !strcmp(c.eip_handoff, "br-ex"), "router role with eip-handoff");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = aggregation\neip-device = xceip\n"
		    "eip-handoff = br-ex\netcd = http://x:1\n") < 0 &&
	   strstr(c.err, "key of role router"),
	   "eip-handoff refused for role aggregation");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = router\nrouter = vr1\n"
		    "eip-handoff = br/ex\n") < 0 &&
	   strstr(c.err, "line 4") && strstr(c.err, "interface name"),
	   "eip-handoff that is no interface name refused with its line");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nbird-include = run/e.conf\n") < 0 &&
	   strstr(c.err, "line 2") && strstr(c.err, "absolute path"),
	   "relative BIRD path refused with its line");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		    "etcd = http://x:1\nrouter = vr1\n[vni 1]\ndevice = x\n") < 0 &&
	   strstr(c.err, "belong to the aggregation and router roles"),
	   "EIP keys refused in the switch role");
	xd_conf_free(&c);

	xd_conf_init(&c);
	ok(xd_conf_load(&c, "/nonexistent") < 0 && strstr(c.err, "cannot open"),
	   "missing file reported");
	xd_conf_free(&c);

	/* [etcd]: every member, TLS, a user */
	xd_conf_init(&c);
	ok(!load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		     "[etcd]\nendpoints = https://a:1, https://b:1,https://c:1\n"
		     "cacert = /dev/null\ncert = /dev/null\nkey = /dev/null\n") &&
	   !strcmp(c.etcd_conf.endpoints, "https://a:1, https://b:1,https://c:1") &&
	   !strcmp(c.etcd_conf.cacert, "/dev/null"),
	   "[etcd] endpoints and TLS files load");
	xd_conf_free(&c);
	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		    "[etcd]\nendpoints = https://a:1,b:2\n") < 0 &&
	   strstr(c.err, "line 6") && strstr(c.err, "\"b:2\""),
	   "a bad member refused with its line and value");
	xd_conf_free(&c);
	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		    "etcd = https://a:1\n[etcd]\nuser = u\npassword-file = /nonexistent\n") < 0 &&
	   strstr(c.err, "line 8") && strstr(c.err, "/nonexistent"),
	   "an unreadable password file refused with its line");
	xd_conf_free(&c);
	xd_conf_init(&c);
	ok(load(&c, "[agent]\nrole = switch\nnode = n\nunderlay = ::1\n"
		    "etcd = http://a:1\n[etcd]\ncacert = /dev/null\n") < 0 &&
	   strstr(c.err, "https"), "TLS files with http:// endpoints refused");
	xd_conf_free(&c);

	/* metrics-listen, metrics-max-peers */
	{
		static const char *const bad[] = {
			"127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
			"127.0.0.1:65536", "127.0.0.1:+80", "127.0.0.1:80x",
			"localhost:9100", "300.0.0.1:80", "::1:9100",
			"[::1]9100", "[::1]:", "[127.0.0.1]:80", "[::1:80",
			":9100", "", "[fe80::1%eth0]:9100", "[ ::1]:9100",
			"[::1 ]:9100", " 127.0.0.1:9100", "127.0.0.1 :9100",
			"[10.0.0.0/8]:80",
		};
		struct sockaddr_storage ss;
		socklen_t len;
		unsigned int refused = 0;

		xd_conf_init(&c);
		ok(!load(&c, "[agent]\nrole = router\nrouter = r\netcd = http://x:1\n"
			     "metrics-listen = 127.0.0.1:9477\nmetrics-max-peers = 0\n") &&
		   !strcmp(c.metrics_listen, "127.0.0.1:9477") &&
		   c.metrics_max_peers == 0 &&
		   !xd_listen_parse(&c, c.metrics_listen, &ss, &len) &&
		   ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in) &&
		   ntohs(((struct sockaddr_in *)&ss)->sin_port) == 9477,
		   "metrics-listen IPv4 and metrics-max-peers 0 load");
		xd_conf_free(&c);
		xd_conf_init(&c);
		ok(!xd_conf_set(&c, "metrics-listen", "[::1]:9100") &&
		   !xd_listen_parse(&c, c.metrics_listen, &ss, &len) &&
		   ss.ss_family == AF_INET6 &&
		   ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 9100,
		   "metrics-listen [::1]:9100");
		ok(!xd_listen_parse(&c, "[::ffff:127.0.0.1]:9100", &ss, &len) &&
		   ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6),
		   "metrics-listen [::ffff:127.0.0.1]:9100 is IPv6");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			c.err[0] = '\0';
			if (xd_conf_set(&c, "metrics-listen", bad[i]) &&
			    strstr(c.err, "ADDR:PORT"))
				refused++;
			else
				printf("# accepted \"%s\"\n", bad[i]);
		}
		ok(refused == sizeof(bad) / sizeof(bad[0]),
		   "bad metrics-listen values refused (no port, port 0 or too big, names, v6 without brackets, v4 in them, scoped, spaces, ...)");
		xd_conf_free(&c);
		xd_conf_init(&c);
		ok(load(&c, "[agent]\nrole = router\nrouter = r\netcd = http://x:1\n"
			    "metrics-listen = 10.0.0.1\n") < 0 &&
		   strstr(c.err, "line 5") && strstr(c.err, "metrics-listen"),
		   "bad metrics-listen in the file names its line");
		xd_conf_free(&c);
		xd_conf_init(&c);
		ok(load(&c, "[agent]\nmetrics-max-peers = -1\n") < 0 &&
		   strstr(c.err, "line 2") && strstr(c.err, "0..1000000") &&
		   load(&c, "[agent]\nmetrics-max-peers = 1000001\n") < 0,
		   "metrics-max-peers out of range refused with its line");
		xd_conf_free(&c);
	}
	return tap_done();
}
