// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the coordinator's address-in-declaration test (prefix.c):
 * which addresses a cloud's {"prefixes": [...]} holds, and what it skips
 * or refuses -- prefixes without a length or with one out of range or
 * not plain decimal, scoped IPv6, whitespace, declarations of another
 * form. TAP.
 */
#include <stdio.h>
#include "prefix.h"
#include "tap.h"

int main(void)
{
	static const char decl[] =
		"{\"prefixes\": [\"10.1.0.0/16\", \"fd20::/64\", \"10.2.3.4/24\"]}";

	printf("TAP version 13\n");
	ok(prefix_decl_has(decl, "10.1.2.3") && prefix_decl_has(decl, "fd20::7") &&
	   !prefix_decl_has(decl, "10.3.0.1") && !prefix_decl_has(decl, "fd21::7"),
	   "addresses inside the declared prefixes, not outside");
	ok(prefix_decl_has(decl, "10.2.3.200") && !prefix_decl_has(decl, "10.2.4.4"),
	   "a prefix with host bits set counts as its network");
	ok(prefix_decl_has("{\"prefixes\": [\"10.0.0.0/12\"]}", "10.15.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/12\"]}", "10.16.0.1"),
	   "a length off a byte boundary");
	ok(prefix_decl_has("{\"prefixes\": [\"0.0.0.0/0\"]}", "192.0.2.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"0.0.0.0/0\"]}", "fd20::1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/8\"]}", "::ffff:10.0.0.1"),
	   "a family's default holds its family only; mapped IPv4 is IPv6");
	ok(!prefix_decl_has("{\"prefixes\": [\"10.1.2.3\"]}", "10.1.2.3") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.1.0.0/\"]}", "10.1.2.3") &&
	   prefix_decl_has("{\"prefixes\": [\"10.1.2.3/32\"]}", "10.1.2.3"),
	   "a prefix without a length is skipped, with /32 it holds its address");
	ok(!prefix_decl_has("{\"prefixes\": [\"10.0.0.0/33\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"fd20::/129\"]}", "fd20::1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/-1\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/8x\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/4294967304\"]}", "10.0.0.1"),
	   "a length out of range or not a number: the prefix is skipped");
	ok(prefix_decl_has("{\"prefixes\": [\"10.0.0.0/33\", \"10.0.0.0/8\"]}",
			   "10.200.0.1"),
	   "... and the next one still counts");
	ok(!prefix_decl_has("{\"prefixes\": [\"10.0.0.0/+8\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/ 8\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"10.0.0.0/08\"]}", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [\"0.0.0.0/-0\"]}", "10.0.0.1"),
	   "a length with a sign, a space or a leading zero is skipped, as the agents skip it");
	ok(!prefix_decl_has("{\"prefixes\": [\"fe80::%eth0/64\"]}", "fe80::1") &&
	   !prefix_decl_has("{\"prefixes\": [\"fe80::/64\"]}", "fe80::1%eth0") &&
	   prefix_decl_has("{\"prefixes\": [\"fe80::/64\"]}", "fe80::1"),
	   "scoped IPv6 neither as a prefix nor as the address");
	ok(!prefix_decl_has("{\"prefixes\": [\" 10.0.0.0/8\"]}", "10.0.0.1") &&
	   !prefix_decl_has(decl, " 10.1.2.3") &&
	   !prefix_decl_has(decl, "10.1.2.3 ") &&
	   !prefix_decl_has(decl, "10.1.2.3\n"),
	   "whitespace around the prefix or the address: none holds it");
	ok(!prefix_decl_has("{\"prefixes\": \"10.0.0.0/8\"}", "10.0.0.1") &&
	   !prefix_decl_has("[\"10.0.0.0/8\"]", "10.0.0.1") &&
	   !prefix_decl_has("{\"prefixes\": [8, null]}", "10.0.0.1") &&
	   !prefix_decl_has("not json", "10.0.0.1") &&
	   !prefix_decl_has(NULL, "10.0.0.1") &&
	   !prefix_decl_has(decl, "10.1.0.0/16") &&
	   !prefix_decl_has(decl, "host"),
	   "declarations of another form hold nothing, nor is a prefix or name an address");
	return tap_done();
}
