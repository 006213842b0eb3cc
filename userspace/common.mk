# SPDX-License-Identifier: GPL-2.0
# Shared build settings of the userspace parts; include from a part's
# Makefile as `include ../common.mk`.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(TOP)/userspace/dirs.mk
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	  -I$(TOP)/uapi -I$(TOP)/userspace/lib -I$(TOP)/userspace/etcd
# The one version source: VERSION, for every program's --version (a
# part's main.o depends on $(TOP)/VERSION, so a new version rebuilds it).
XCLOUD_VERSION := $(shell cat $(TOP)/VERSION)
CFLAGS += -DXCLOUD_VERSION='"$(XCLOUD_VERSION)"'

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1))

LIBXCLOUD := $(TOP)/userspace/lib/libxcloud.a
LIBETCD := $(TOP)/userspace/etcd/libxcetcd.a
# The unit tests' TAP helpers: a prerequisite of every test.
TAP_H := $(TOP)/userspace/lib/tap.h
