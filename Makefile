# SPDX-License-Identifier: GPL-2.0
#
# xcloud: `make` builds xcloud.ko and the userspace tools.
#
#   make [KDIR=...]            module for KDIR + userspace
#   make modules KDIR=.. MODOUT=.. [KUNIT=1]
#                              module (and KUnit module) built in MODOUT,
#                              so several kernels build side by side
#   make userspace             xcloudctl, xcloudd, xcloud-coord
#   make check                 every test (KUnit, selftests, DKMS) in qemu
#   make demo                  the two-cloud and EIP demonstration
#   make bench                 benchmarks (BENCH lines), not pass/fail
#   make checkpatch | sparse   kernel style and static checks

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# The running kernel's tree if it has one, otherwise Debian's
# linux-headers-amd64 (the metapackage's dependency names the version).
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(KDIR),)
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR := $(RUNNING_KDIR)
else
KDIR := $(shell tests/tools/headers-dir)
endif
endif

KVER_TAG := $(notdir $(patsubst %/,%,$(KDIR)))
MODOUT ?= $(CURDIR)/build/kmod-$(KVER_TAG)

KSRC_FILES := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/tests/*.c \
	kmod/tests/*.h) uapi/linux/xcloud.h

.PHONY: all modules userspace check demo bench checkpatch sparse clean \
	install dkms-install

all: modules userspace

modules:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || \
		{ echo "xcloud: no kernel tree at KDIR='$(KDIR)'" >&2; exit 1; }
	@mkdir -p $(MODOUT)
	@tar cf - $(KSRC_FILES) | tar xf - -C $(MODOUT)
	$(MAKE) -C $(KDIR) M=$(MODOUT) $(if $(KUNIT),XCLOUD_KUNIT=m) modules

userspace:
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace; fi

check:
	tests/check.sh

demo:
	tests/demo/run

bench:
	tests/bench/run

# Kernel style: checkpatch --strict over every kernel source file.
checkpatch:
	tests/tools/checkpatch $(filter %.c %.h,$(KSRC_FILES))

sparse:
	$(MAKE) modules C=2 MODOUT=$(CURDIR)/build/sparse-$(KVER_TAG)

clean:
	rm -rf build
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace clean; fi
