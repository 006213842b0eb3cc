// SPDX-License-Identifier: GPL-2.0
/*
 * 1:1 NAT EIP <-> VM address on a virtual router, through libnftables: the
 * whole table is rebuilt in one transaction, so packets never see a
 * half-written rule set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nftables/libnftables.h>

#include "eip.h"

static int append(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *nb = realloc(*buf, *len + n + 1);

	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, s, n + 1);
	*buf = nb;
	*len += n;
	return 0;
}

/* "a : b, c : d" for the records of @family, from @from to @to. */
static int map_elems(const struct eip_record *r, size_t n, int family,
		     bool dnat, char **out, size_t *count)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], line[2 * INET6_ADDRSTRLEN + 8];
	char *buf = NULL;
	size_t len = 0, i;

	*count = 0;
	for (i = 0; i < n; i++) {
		if (r[i].eip.family != family)
			continue;
		if (r[i].private_addr.family != family) {
			free(buf);
			return -EAFNOSUPPORT;
		}
		xc_addr_str(dnat ? &r[i].eip : &r[i].private_addr, a, sizeof(a));
		xc_addr_str(dnat ? &r[i].private_addr : &r[i].eip, b, sizeof(b));
		snprintf(line, sizeof(line), "%s%s : %s", *count ? ", " : "", a, b);
		if (append(&buf, &len, line)) {
			free(buf);
			return -ENOMEM;
		}
		(*count)++;
	}
	*out = buf;
	return 0;
}

static bool same_addr(const struct xc_addr *a, const struct xc_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

/* 1:1: no EIP twice, no VM address behind two EIPs (the snat map could
 * not say which EIP its packets leave with). */
static int check_one_to_one(const struct eip_record *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (same_addr(&r[i].eip, &r[j].eip) ||
			    same_addr(&r[i].private_addr, &r[j].private_addr))
				return -EEXIST;
	return 0;
}

int eip_nat_render(const struct eip_record *r, size_t n, char **out)
{
	static const struct { int family; const char *ip; } fam[] = {
		{ AF_INET, "ip" }, { AF_INET6, "ip6" },
	};
	char *buf = NULL, *elems = NULL, *rule = NULL;
	size_t len = 0, count, f, i;
	int err = -ENOMEM;
	/* Named maps: one lookup per packet however many EIPs there are. */
	static const char *const chains[2] = { "prerouting", "postrouting" };

	*out = NULL;	/* callers free it whatever happened */
	err = check_one_to_one(r, n);
	if (err)
		return err;
	err = -ENOMEM;
	/* "table; delete table; table {...}" creates it if missing, then
	 * replaces it, all in one transaction. */
	if (append(&buf, &len, "table inet " EIP_NFT_TABLE "\n"
		   "delete table inet " EIP_NFT_TABLE "\n"
		   "table inet " EIP_NFT_TABLE " {\n"))
		goto out;
	for (i = 0; i < 2; i++) {
		for (f = 0; f < 2; f++) {
			err = map_elems(r, n, fam[f].family, i == 0, &elems, &count);
			if (err)
				goto out;
			err = -ENOMEM;
			if (asprintf(&rule, "\tmap %s_%s {\n\t\ttype %s_addr : %s_addr\n%s%s%s\t}\n",
				     i == 0 ? "dnat" : "snat", fam[f].ip,
				     f ? "ipv6" : "ipv4", f ? "ipv6" : "ipv4",
				     count ? "\t\telements = { " : "",
				     count ? elems : "", count ? " }\n" : "") < 0) {
				rule = NULL;
				goto out;
			}
			free(elems);
			elems = NULL;
			if (append(&buf, &len, rule))
				goto out;
			free(rule);
			rule = NULL;
		}
	}
	for (i = 0; i < 2; i++) {
		if (asprintf(&rule,
			     "\tchain %s {\n"
			     "\t\ttype nat hook %s priority %s; policy accept;\n"
			     "\t\t%s ip to ip %s map @%s_ip\n"
			     "\t\t%s ip6 to ip6 %s map @%s_ip6\n"
			     "\t}\n",
			     chains[i], chains[i], i ? "srcnat" : "dstnat",
			     i ? "snat" : "dnat", i ? "saddr" : "daddr", i ? "snat" : "dnat",
			     i ? "snat" : "dnat", i ? "saddr" : "daddr", i ? "snat" : "dnat") < 0) {
			rule = NULL;
			goto out;
		}
		if (append(&buf, &len, rule))
			goto out;
		free(rule);
		rule = NULL;
	}
	if (append(&buf, &len, "}\n"))
		goto out;
	*out = buf;
	buf = NULL;
	err = 0;
out:
	free(rule);
	free(elems);
	free(buf);
	return err;
}

/* Run @text; its output into *@out (allocated) if @out is not NULL. */
static int run_nft(const char *text, char **out, char *msg, size_t msglen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *err_text;
	int err = 0;

	if (!nft)
		return -ENOMEM;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, text)) {
		err_text = nft_ctx_get_error_buffer(nft);
		err = strstr(err_text, strerror(ENOENT)) ? -ENOENT : -EINVAL;
		if (msg && msglen)
			snprintf(msg, msglen, "%s", err_text);
	} else if (out) {
		*out = strdup(nft_ctx_get_output_buffer(nft));
		if (!*out)
			err = -ENOMEM;
	}
	nft_ctx_free(nft);
	return err;
}

int eip_nat_apply(const struct eip_record *r, size_t n, char *msg,
		  size_t msglen)
{
	char *text;
	int err = eip_nat_render(r, n, &text);

	if (err)
		return err;
	err = run_nft(text, NULL, msg, msglen);
	free(text);
	return err;
}

int eip_nat_list(char **out, char *msg, size_t msglen)
{
	return run_nft("list table inet " EIP_NFT_TABLE "\n", out, msg, msglen);
}

int eip_nat_remove(char *msg, size_t msglen)
{
	return run_nft("table inet " EIP_NFT_TABLE "\n"
		       "delete table inet " EIP_NFT_TABLE "\n", NULL, msg, msglen);
}
