# SPDX-License-Identifier: GPL-2.0
# Installation directories, shared by the top Makefile and userspace/.
# Every one may be set on the command line or in the environment:
#   make install DESTDIR=/tmp/stage PREFIX=/usr
# DESTDIR is prepended to every path at install time only; the paths
# written into the installed files (units, BIRD includes) never have it.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
# Unused today: every program is a daemon or needs CAP_NET_ADMIN (sbin).
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/xcloud
# iproute2's plugins (link_xcloud.so): Debian's ip loads them from
# /usr/lib/<multiarch>/ip only (another PREFIX's: IP_LIB_DIR=IPLIBDIR).
ifeq ($(origin MULTIARCH),undefined)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
endif
IPLIBDIR ?= $(PREFIX)/lib/$(if $(MULTIARCH),$(MULTIARCH)/)ip
# The operator's configuration: /etc even for PREFIX=/usr/local (FHS).
SYSCONFDIR ?= /etc
# systemd units. A package (PREFIX=/usr) puts them where Debian's systemd
# package says vendor units go (/lib/systemd/system on Debian 12,
# /usr/lib/systemd/system from Debian 13); any other PREFIX keeps them
# under it: /usr/local/lib/systemd/system is on systemd's search path, and
# Debian policy leaves /lib to packages.
ifeq ($(PREFIX),/usr)
UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd \
	2>/dev/null),/lib/systemd/system)
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
