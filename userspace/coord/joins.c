// SPDX-License-Identifier: GPL-2.0
/*
 * Gateways held out of their cloud's group until their join time (see
 * joins.h). A cloud has a handful of gateways: a list does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "joins.h"

struct join {
	struct join *next;
	double due;
	char key[];
};

struct joins {
	struct join *head;
};

struct joins *joins_new(void)
{
	return calloc(1, sizeof(struct joins));
}

void joins_free(struct joins *j)
{
	if (!j)
		return;
	while (j->head) {
		struct join *n = j->head;

		j->head = n->next;
		free(n);
	}
	free(j);
}

static struct join **find(struct joins *j, const char *key)
{
	struct join **p;

	for (p = &j->head; *p; p = &(*p)->next)
		if (!strcmp((*p)->key, key))
			break;
	return p;
}

int joins_note(struct joins *j, const char *key, double due)
{
	struct join **p = find(j, key), *n;

	if (*p) {
		(*p)->due = due;
		return 0;
	}
	n = malloc(sizeof(*n) + strlen(key) + 1);
	if (!n)
		return -ENOMEM;
	n->next = NULL;
	n->due = due;
	strcpy(n->key, key);
	*p = n;
	return 0;
}

void joins_forget(struct joins *j, const char *key)
{
	struct join **p = find(j, key), *n = *p;

	if (n) {
		*p = n->next;
		free(n);
	}
}

double joins_due(struct joins *j, const char *key, double now)
{
	struct join **p = find(j, key);

	if (!*p)
		return 0;
	if ((*p)->due > now)
		return (*p)->due;
	joins_forget(j, key);	/* joined: nothing more to remember */
	return 0;
}
