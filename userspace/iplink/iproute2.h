/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What link_xcloud.so uses of the `ip` program that loads it: its plugin
 * interface (struct link_util, found by dlsym as "xcloud_link_util") and
 * the helpers `ip` exports to plugins. No distribution ships these as a
 * header, so they are declared here as iproute2 6.1 (Debian 12) defines
 * them; the layout has not changed since 4.x. They resolve against `ip`
 * at load time: the plugin links to no library of iproute2.
 */
#ifndef XCLOUD_IPROUTE2_H
#define XCLOUD_IPROUTE2_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f, struct rtattr *x);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

/* json_print.h: PRINT_ANY prints in both, the others in one output only. */
enum output_type { PRINT_FP = 1, PRINT_JSON = 2, PRINT_ANY = 4 };
/* color.h */
enum color_attr { COLOR_IFNAME, COLOR_MAC, COLOR_INET, COLOR_INET6,
		  COLOR_OPERSTATE_UP, COLOR_OPERSTATE_DOWN, COLOR_NONE };

int print_color_uint(enum output_type t, enum color_attr c, const char *key,
		     const char *fmt, unsigned int value);
int print_color_string(enum output_type t, enum color_attr c,
		       const char *key, const char *fmt, const char *value);
int print_color_on_off(enum output_type t, enum color_attr c,
		       const char *key, const char *fmt, bool value);
void open_json_array(enum output_type t, const char *key);
void close_json_array(enum output_type t, const char *delim);

/* libnetlink.h */
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen);
struct rtattr *addattr_nest(struct nlmsghdr *n, int maxlen, int type);
int addattr_nest_end(struct nlmsghdr *n, struct rtattr *nest);

/* ll_map.h */
unsigned int ll_name_to_index(const char *name);
const char *ll_index_to_name(unsigned int idx);

/* utils.h: print the usual error and exit(-1), as ip's own kinds do */
void incomplete_command(void) __attribute__((noreturn));
void invarg(const char *msg, const char *arg) __attribute__((noreturn));
void duparg2(const char *key, const char *arg) __attribute__((noreturn));

#endif
