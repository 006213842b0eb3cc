// SPDX-License-Identifier: GPL-2.0
/*
 * One write per line: stderr is unbuffered, and a line in pieces would
 * cost a system call each (a burst of ports logs thousands) and could
 * interleave with another thread's or process's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"

static const char *ident = "xcloud";
static int level = LOG_INFO;
static bool journal, times;

static const char *const names[] = {
	[LOG_ERR] = "err", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is
 * inherited, so it counts only while stderr is still that stream. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void xlog_init(const char *name)
{
	ident = name;
	journal = stderr_is_journal();
	times = getenv("XCLOUD_LOG_TIMES") != NULL;
}

bool xlog_journal(void)
{
	return journal;
}

void xlog_set_level(int prio)
{
	level = prio;
}

int xlog_level(void)
{
	return level;
}

int xlog_level_parse(const char *name)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (names[i] && !strcmp(name, names[i]))
			return i;
	return -1;
}

const char *xlog_level_name(int prio)
{
	return prio >= LOG_ERR && prio <= LOG_DEBUG ? names[prio] : "?";
}

void xlogv(const char *fmt, va_list ap)
{
	char line[1024];
	int prio = LOG_INFO, r;
	size_t n;

	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		prio = fmt[1] - '0';
		fmt += 3;
	}
	if (prio > level)
		return;
	if (journal)
		r = snprintf(line, sizeof(line), "<%d>", prio);
	else
		r = snprintf(line, sizeof(line), "%s: ", ident);
	n = r < 0 ? 0 : (size_t)r;
	if (times) {
		struct timespec ts;

		/* Monotonic: lines up with other programs' (the benches). */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = snprintf(line + n, sizeof(line) - n, "[%.3f] ",
			     ts.tv_sec + ts.tv_nsec / 1e9);
		n = r < 0 ? n : n + (size_t)r;
	}
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = r < 0 ? n : n + (size_t)r;
	if (n > sizeof(line) - 2) {
		/* Cut short: say so. */
		n = sizeof(line) - 2;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

void xlog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlogv(fmt, ap);
	va_end(ap);
}
