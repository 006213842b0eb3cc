/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output of xcloudctl: text as ip prints it, or JSON (-j, -p). Lists are
 * streamed item by item, so a dump of a million routes never sits in
 * memory as one JSON document.
 */
#ifndef _XCLOUDCTL_OUTPUT_H
#define _XCLOUDCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "libxcloud.h"

struct output {
	FILE *f;
	bool json;
	bool pretty;
	bool stats;		/* -s */
	int items;		/* items of the open list */
};

extern struct output out;

/* JSON lists: "[" item "," item ... "]". */
void out_list_begin(void);
void out_list_end(void);
/* Print @o as the next list item (JSON) and drop the reference. */
void out_list_item(json_object *o);
/* Print @o as a whole document and drop the reference. */
void out_json(json_object *o);

/* Objects as JSON; @dev may be NULL. */
json_object *route_json(const struct xc_route *r, const char *dev);
json_object *nhgroup_json(const struct xc_nhgroup *g, const char *dev);
json_object *link_json(const struct xc_link *l);
json_object *tunnel_json(const struct xc_tunnel *t, bool stats);
json_object *prefix_json(const struct xc_prefix *p);
json_object *stats_json(const struct xc_stats *s);
json_object *event_json(const struct xc_event *ev, const char *dev);

/* Objects as text, without a newline, into @buf. */
const char *prefix_str(const struct xc_prefix *p, char *buf, size_t len);
const char *route_str(const struct xc_route *r, const char *dev, char *buf,
		      size_t len);
const char *nhgroup_str(const struct xc_nhgroup *g, const char *dev,
			char *buf, size_t len);
void link_print(const struct xc_link *l);
void tunnel_print(const struct xc_tunnel *t, const char *dev, bool stats);
void stats_print(const char *title, const struct xc_stats *s);
const char *event_str(const struct xc_event *ev, const char *dev, char *buf,
		      size_t len);

#endif /* _XCLOUDCTL_OUTPUT_H */
