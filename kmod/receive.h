/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive (receive.c): the encap_rcv of the shared UDP sockets, which
 * validates, demultiplexes by VNI, checks and delivers or relays.
 */
#ifndef _XCLOUD_RECEIVE_H
#define _XCLOUD_RECEIVE_H

struct sk_buff;
struct sock;

int xcloud_udp_encap_recv(struct sock *sk, struct sk_buff *skb);

#endif /* _XCLOUD_RECEIVE_H */
