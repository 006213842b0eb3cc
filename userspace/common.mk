# SPDX-License-Identifier: GPL-2.0
# Shared build settings of the userspace parts; include from a part's
# Makefile as `include ../common.mk`.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	  -I$(TOP)/uapi -I$(TOP)/userspace/lib -I$(TOP)/userspace/etcd
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1))

LIBXCLOUD := $(TOP)/userspace/lib/libxcloud.a
LIBETCD := $(TOP)/userspace/etcd/libxcetcd.a
