// SPDX-License-Identifier: GPL-2.0
/*
 * The BIRD commands xcloud needs: configure check, configure soft, and
 * the reading of a reply to show protocols.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "birdc.h"

static void set_msg(char *msg, size_t len, const char *text)
{
	if (msg && len)
		snprintf(msg, len, "%s", text);
}

static const int check_ok[] = { BIRD_CONFIG_OK };
/* In progress and queued both end in the new configuration. */
static const int soft_ok[] = { BIRD_RECONFIGURED, BIRD_RECONFIG_IN_PROGRESS,
			       BIRD_RECONFIG_QUEUED };

int bird_configure_line(const char *verb, const char *file, char *cmd,
			size_t size)
{
	/* BIRD's quoted strings have no escapes. */
	if (strpbrk(file, "\"\n"))
		return -EINVAL;
	if ((size_t)snprintf(cmd, size, "configure %s \"%s\"", verb, file) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int final_code_in(const struct bird_reply *r, const int *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r->code == ok[i])
			return 0;
	return -EREMOTEIO;
}

int bird_configure_checked(const struct bird_reply *r)
{
	return final_code_in(r, check_ok, 1);
}

int bird_configure_applied(const struct bird_reply *r)
{
	return final_code_in(r, soft_ok, 3);
}

/* `configure <verb> "FILE"`, then whether BIRD's final code says success. */
static int configure(struct bird_client *c, const char *verb, const char *file,
		     int (*success)(const struct bird_reply *r), char *msg,
		     size_t msglen)
{
	struct bird_reply r;
	char cmd[4096];
	int err;

	err = bird_configure_line(verb, file, cmd, sizeof(cmd));
	if (err)
		return err;
	err = bird_command(c, cmd, &r);
	/* BIRD's own words, or why its answer could not be read. */
	set_msg(msg, msglen, !err || err == -EREMOTEIO ? bird_reply_text(&r) :
			     bird_strerror(c));
	if (!err)
		err = success(&r);
	bird_reply_free(&r);
	return err;
}

int bird_configure_check(struct bird_client *c, const char *file, char *msg,
			 size_t msglen)
{
	return configure(c, "check", file, bird_configure_checked, msg, msglen);
}

int bird_configure_soft(struct bird_client *c, const char *file, char *msg,
			size_t msglen)
{
	return configure(c, "soft", file, bird_configure_applied, msg, msglen);
}

static void copy_field(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Whether @s starts like a date (YYYY-MM-DD) from `timeformat ... iso`. */
static bool looks_like_date(const char *s, size_t n)
{
	return n == 10 && s[4] == '-' && s[7] == '-';
}

/*
 * One line of `show protocols`: Name Proto Table State Since Info, where
 * Since may be two words (date and time) and Info the rest of the line.
 */
static int parse_protocol(const char *text, struct bird_protocol *p)
{
	const char *s = text, *w[6];
	size_t wl[6], i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 6; i++) {
		s += strspn(s, " \t");
		w[i] = s;
		wl[i] = strcspn(s, " \t");
		s += wl[i];
	}
	if (!wl[0] || !wl[1] || !wl[2] || !wl[3] || !wl[4])
		return -EPROTO;
	copy_field(p->name, sizeof(p->name), w[0], wl[0]);
	copy_field(p->proto, sizeof(p->proto), w[1], wl[1]);
	copy_field(p->table, sizeof(p->table), w[2], wl[2]);
	copy_field(p->state, sizeof(p->state), w[3], wl[3]);
	if (looks_like_date(w[4], wl[4]) && wl[5]) {
		copy_field(p->since, sizeof(p->since), w[4],
			   w[5] + wl[5] - w[4]);
		s = w[5] + wl[5];
	} else {
		copy_field(p->since, sizeof(p->since), w[4], wl[4]);
		s = w[4] + wl[4];
	}
	s += strspn(s, " \t");
	copy_field(p->info, sizeof(p->info), s, strlen(s));
	/* BIRD pads the Info column. */
	for (i = strlen(p->info); i && p->info[i - 1] == ' '; i--)
		p->info[i - 1] = '\0';
	return 0;
}

int bird_protocols_parse(const struct bird_reply *r,
			 struct bird_protocol **out, size_t *n)
{
	struct bird_protocol *list = calloc(r->n ? r->n : 1, sizeof(*list));
	size_t i, k = 0;
	int err;

	if (!list)
		return -ENOMEM;
	for (i = 0; i < r->n; i++) {
		if (r->lines[i].code != BIRD_PROTOCOL_LIST)
			continue;
		err = parse_protocol(r->lines[i].text, &list[k]);
		if (err) {
			free(list);
			return err;
		}
		k++;
	}
	*out = list;
	*n = k;
	return 0;
}
