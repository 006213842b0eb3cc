/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network coordinator: mirrors every cloud's bindings and gateways and
 * keeps every other cloud's remote entries equal to what they imply.
 */
#ifndef COORD_H
#define COORD_H

#include <ev.h>
#include "config.h"

struct coord;

struct coord *coord_new(struct ev_loop *ev, const struct coord_conf *conf);
/* Reads every cloud, reconciles, starts watching. Unreachable clouds are
 * retried in the background; returns how many were unreachable. */
int coord_start(struct coord *co);
void coord_free(struct coord *co);

#endif
