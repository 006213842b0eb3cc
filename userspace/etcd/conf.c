// SPDX-License-Identifier: GPL-2.0
/*
 * How a daemon reaches its etcd: the endpoints, TLS files and credentials
 * of a configuration section, checked when the file is read so that a
 * mistake is reported with its line and not at the first call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

static int conf_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conf_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int set(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

/* One URL of a comma list: http(s)://host[:port], nothing after. */
static bool url_ok(const char *u, size_t n)
{
	size_t s = !strncmp(u, "http://", 7) ? 7 :
		   !strncmp(u, "https://", 8) ? 8 : 0;

	if (!s || n <= s)
		return false;
	for (size_t i = s; i < n; i++)
		if (u[i] == '/' && i != n - 1)
			return false;	/* a path: the gateway is at / */
		else if (u[i] == ' ' || u[i] == '\t')
			return false;
	return true;
}

int xe_conf_endpoints(const char *list, char ***out, size_t *n, char *err,
		      size_t len)
{
	char **ep = NULL;
	size_t k = 0;
	const char *p = list;

	*out = NULL;
	*n = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t l;
		char **g;

		while (*p == ' ' || *p == '\t')
			p++;
		l = e ? (size_t)(e - p) : strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (!url_ok(p, l) || k == XE_MAX_ENDPOINTS) {
			xe_endpoints_free(ep, k);
			if (k == XE_MAX_ENDPOINTS)
				return conf_err(err, len, "more than %d etcd endpoints",
						XE_MAX_ENDPOINTS);
			return conf_err(err, len,
					"etcd must be an http:// or https:// URL (or a comma list of them): \"%.*s\"",
					(int)(l > 100 ? 100 : l), p);
		}
		g = realloc(ep, (k + 1) * sizeof(*ep));
		if (!g || !(g[k] = strndup(p, l))) {
			xe_endpoints_free(g ? g : ep, k);
			return conf_err(err, len, "out of memory");
		}
		ep = g;
		/* Trailing slashes would make "//v3/...". */
		while (ep[k][strlen(ep[k]) - 1] == '/')
			ep[k][strlen(ep[k]) - 1] = '\0';
		k++;
		if (!e)
			break;
		p = e + 1;
	}
	*out = ep;
	*n = k;
	return 0;
}

void xe_endpoints_free(char **ep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ep[i]);
	free(ep);
}

/* The password is the file's first line; the file stays closed after. */
static int read_password(struct xe_conf *conf, const char *path, char *err,
			 size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return conf_err(err, len, "password-file %s: %s", path,
				strerror(errno));
	n = getline(&line, &cap, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		free(line);
		return conf_err(err, len, "password-file %s is empty", path);
	}
	free(conf->password);
	conf->password = line;
	return 0;
}

static int set_file(char **field, const char *key, const char *path,
		    char *err, size_t len)
{
	if (path[0] != '/')
		return conf_err(err, len, "%s must be an absolute path", key);
	if (access(path, R_OK))
		return conf_err(err, len, "%s %s: %s", key, path,
				strerror(errno));
	return set(field, path) ? conf_err(err, len, "out of memory") : 0;
}

int xe_conf_set(struct xe_conf *conf, const char *name, const char *value,
		char *err, size_t len)
{
	if (!strcmp(name, "endpoints") || !strcmp(name, "etcd")) {
		char **ep;
		size_t n;

		if (xe_conf_endpoints(value, &ep, &n, err, len))
			return -1;
		xe_endpoints_free(ep, n);
		return set(&conf->endpoints, value) ?
		       conf_err(err, len, "out of memory") : 0;
	}
	if (!strcmp(name, "cacert"))
		return set_file(&conf->cacert, name, value, err, len);
	if (!strcmp(name, "cert"))
		return set_file(&conf->cert, name, value, err, len);
	if (!strcmp(name, "key"))
		return set_file(&conf->key, name, value, err, len);
	if (!strcmp(name, "user")) {
		if (!value[0] || strpbrk(value, " \t\""))
			return conf_err(err, len,
					"user must be a name without spaces or \"");
		return set(&conf->user, value) ?
		       conf_err(err, len, "out of memory") : 0;
	}
	if (!strcmp(name, "password-file")) {
		if (value[0] != '/')
			return conf_err(err, len,
					"password-file must be an absolute path");
		return read_password(conf, value, err, len);
	}
	return 1;
}

int xe_conf_check(const struct xe_conf *conf, char *err, size_t len)
{
	bool tls;

	if (!conf->endpoints)
		return conf_err(err, len, "no etcd endpoints");
	tls = strstr(conf->endpoints, "https://");
	if (tls && strstr(conf->endpoints, "http://"))
		return conf_err(err, len,
				"etcd endpoints mix http:// and https://");
	if (!tls && (conf->cacert || conf->cert || conf->key))
		return conf_err(err, len,
				"cacert, cert and key need https:// endpoints");
	if (!conf->cert != !conf->key)
		return conf_err(err, len, "cert and key go together");
	if (!conf->user != !conf->password)
		return conf_err(err, len, "user and password-file go together");
	return 0;
}

void xe_conf_free(struct xe_conf *conf)
{
	free(conf->endpoints);
	free(conf->cacert);
	free(conf->cert);
	free(conf->key);
	free(conf->user);
	if (conf->password)
		explicit_bzero(conf->password, strlen(conf->password));
	free(conf->password);
	memset(conf, 0, sizeof(*conf));
}
