/* SPDX-License-Identifier: GPL-2.0 */
/* xcloudctl: the objects' entry points and the helpers they share. */
#ifndef _XCLOUDCTL_H
#define _XCLOUDCTL_H

#include <stdbool.h>

#include "libxcloud.h"
#include "output.h"
#include "parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes, as ip has them. */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_KERNEL = 2 };

/* The library handle, opened on first use (exits 2 if that fails). */
struct xc *ctl_handle(void);

/* Print "Error: ..." and @usage to stderr; returns EXIT_USAGE. */
int usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a failed call's error with the kernel's message; returns 2. */
int kernel_error(int err);
/* ifindex of @name, or 0 after printing "Cannot find device". */
int dev_index(const char *name);
/* Look @arg up in @kw; on failure print an error and @usage. */
int kw_arg(const char *arg, const struct keyword *kw, size_t n,
	   const char *what, const char *usage);

/* Call @fn for device @dev, or every xcloud device when @dev is NULL. */
int for_each_dev(const char *dev, int (*fn)(const struct xc_link *l,
					    void *arg), void *arg);

int do_link(int argc, char **argv);
int do_route(int argc, char **argv);
int do_nexthop(int argc, char **argv);
int do_tunnel(int argc, char **argv);
int do_allow(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* Run one command line (object verb args...). */
int dispatch(int argc, char **argv);

/* route.c: what batch.c needs to coalesce route lines */
enum route_verb { RV_ADD, RV_REPLACE, RV_DEL, RV_GET, RV_SHOW, RV_FLUSH,
		  RV_SYNC, RV_HELP };
int route_verb(const char *arg);	/* enum route_verb or KW_* */
extern const char route_usage[];
enum xc_route_op route_op(int verb);

/* Words of a line of a file (batch, route sync): split_line()'s @max. */
#define LINE_MAX_ARGS 64

/* @file ("-": stdin) opened for reading, or NULL after saying why. */
FILE *input_open(const char *file);
void input_close(FILE *f);

int run_batch(const char *file, bool force);
/* route sync dev DEV FILE (sync.c), after "sync". */
int route_sync(int argc, char **argv);

#endif /* _XCLOUDCTL_H */
