/* SPDX-License-Identifier: GPL-2.0 */
/* What a cloud declares: which addresses its claims may use. */
#ifndef COORD_PREFIX_H
#define COORD_PREFIX_H

#include <stdbool.h>

/*
 * Is the address addr (text, as inet_ntop prints it) inside one of the
 * prefixes of decl, a declaration {"prefixes": ["10.0.0.0/16", ...]}?
 * A declaration that is not of that form contains nothing; prefixes that
 * do not parse are skipped.
 */
bool prefix_decl_has(const char *decl, const char *addr);

#endif
