# SPDX-License-Identifier: GPL-2.0
#
# xcloud: `make` builds xcloud.ko and the userspace tools.
#
#   make [KDIR=...]            module for KDIR + userspace
#   make modules KDIR=.. MODOUT=.. [KUNIT=1]
#                              module (and KUnit module) built in MODOUT,
#                              so several kernels build side by side
#   make userspace             xcloudctl, xcloudd, xcloud-coord, xcloud-ovn
#   make install [DESTDIR=..] [PREFIX=/usr/local] [SBINDIR=..] [SYSCONFDIR=/etc]
#                [DATADIR=..] [MANDIR=..] [DOCDIR=..] [UNITDIR=..]
#                              the userspace programs, man page, systemd
#                              units, example configurations (never over an
#                              operator's), bird-conf/ and the docs the units
#                              name; the module goes through DKMS (README)
#   make uninstall             removes what install put (same variables)
#   make deb                   Debian packages xcloud and xcloud-dkms in
#                              build/deb/ (packaging/build-deb), lintian
#   make check                 every test (KUnit, selftests, DKMS) in qemu
#   make check-packages        make deb, then the packages installed, run
#                              and purged in a stock guest (about 8 min)
#   make demo                  the two-cloud and EIP demonstration
#   make bench                 benchmarks (BENCH lines), not pass/fail
#   make fuzz                  the long fuzz runs on the debug kernel:
#                              1,000,000 netlink messages, 1,000,000
#                              packets, 50 teardown cycles (docs/fuzzing.md)
#   make checkpatch | sparse   kernel style and static checks

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# The running kernel's tree if it has one, otherwise Debian's
# linux-headers-amd64 (the metapackage's dependency names the version).
# Worked out on first use, once: targets without the module (userspace,
# install, clean) never look for headers, let alone install them.
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(KDIR),)
KDIR = $(eval KDIR := $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(shell tests/tools/headers-dir)))$(KDIR)
endif

KVER_TAG = $(notdir $(patsubst %/,%,$(KDIR)))
MODOUT ?= $(CURDIR)/build/kmod-$(KVER_TAG)

KSRC_FILES := Kbuild VERSION $(wildcard kmod/*.c kmod/*.h kmod/tests/*.c \
	kmod/tests/*.h) uapi/linux/xcloud.h

.PHONY: all modules userspace check demo bench checkpatch sparse clean \
	install uninstall deb fuzzers fuzz check-packages

all: modules userspace fuzzers

modules:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || \
		{ echo "xcloud: no kernel tree at KDIR='$(KDIR)'" >&2; exit 1; }
	@mkdir -p $(MODOUT)
	@tar cf - $(KSRC_FILES) | tar xf - -C $(MODOUT)
	$(MAKE) -C $(KDIR) M=$(MODOUT) $(if $(KUNIT),XCLOUD_KUNIT=m) modules

userspace:
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace; fi

# The fuzzers (tests/fuzz), built on the host like the tools the guests run.
fuzzers:
	$(MAKE) -C tests/fuzz

include userspace/dirs.mk

# bird-conf/ goes to DATADIR/xcloud/bird/ (examples/ under it). The files
# name that directory in their include lines as Debian's package puts it,
# /usr/share/xcloud/bird; installed, they name DATADIR's.
BIRD_DIR = $(DATADIR)/xcloud/bird
BIRD_CONFS := $(notdir $(wildcard bird-conf/*.conf))
BIRD_EXAMPLES := $(notdir $(wildcard bird-conf/examples/*.conf))
# The operator's documents, the units' Documentation= among them
# (bird-conf/README.md goes with them as bird-conf.md).
DOCS := docs/deploy.md docs/control-plane.md docs/eip-bgp.md docs/tenants.md docs/xcloudctl.md docs/ovn.md

install:
	$(MAKE) -C userspace install
	install -d $(DESTDIR)$(BIRD_DIR)/examples $(DESTDIR)$(DOCDIR)
	@set -e; for f in $(BIRD_CONFS) $(addprefix examples/,$(BIRD_EXAMPLES)); do \
		echo "sed ... bird-conf/$$f >$(DESTDIR)$(BIRD_DIR)/$$f"; \
		sed 's|/usr/share/xcloud/bird/|$(BIRD_DIR)/|g' bird-conf/$$f \
			>$(DESTDIR)$(BIRD_DIR)/$$f; \
		chmod 0644 $(DESTDIR)$(BIRD_DIR)/$$f; \
	done
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 bird-conf/README.md $(DESTDIR)$(DOCDIR)/bird-conf.md

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BIRD_DIR)/,$(BIRD_CONFS)) \
	      $(addprefix $(DESTDIR)$(BIRD_DIR)/examples/,$(BIRD_EXAMPLES)) \
	      $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)) bird-conf.md)
	@for d in $(BIRD_DIR)/examples $(BIRD_DIR) $(DATADIR)/xcloud; do \
		if [ -d $(DESTDIR)$$d ]; then \
			rmdir --ignore-fail-on-non-empty $(DESTDIR)$$d; fi; \
	done
	$(MAKE) -C userspace uninstall

deb:
	packaging/build-deb

check:
	tests/check.sh

# packages.sh alone, DKMS building the module in the guest (make check
# runs it too, with the deb stage's .debs and its dkms stage's build).
check-packages: all deb
	XCLOUD_DKMS_TARBALL= \
	XCLOUD_SELFTEST_TIMEOUT=$${XCLOUD_SELFTEST_TIMEOUT:-3600} \
	XCLOUD_VM_TIMEOUT=$${XCLOUD_VM_TIMEOUT:-4000} \
	tests/selftests/run packages.sh

demo:
	tests/demo/run

bench:
	tests/bench/run

# XCLOUD_FUZZ_NL, XCLOUD_FUZZ_PKT and XCLOUD_FUZZ_SEED override the counts
# and the seed; each script gets up to 3 hours in its debug guest.
fuzz: fuzzers
	XCLOUD_VM_KERNEL=debug XCLOUD_FUZZ_NL=$${XCLOUD_FUZZ_NL:-1000000} \
	XCLOUD_FUZZ_PKT=$${XCLOUD_FUZZ_PKT:-1000000} \
	XCLOUD_SELFTEST_TIMEOUT=$${XCLOUD_SELFTEST_TIMEOUT:-10800} \
	XCLOUD_VM_TIMEOUT=$${XCLOUD_VM_TIMEOUT:-22000} \
	XCLOUD_TEARDOWN_CYCLES=$${XCLOUD_TEARDOWN_CYCLES:-50} \
	tests/selftests/run fuzz_netlink.sh fuzz_packet.sh teardown.sh

# Kernel style: checkpatch --strict over every kernel source file.
checkpatch:
	tests/tools/checkpatch $(filter %.c %.h,$(KSRC_FILES))

# <net/geneve.h>'s struct genevehdr ends in an array of struct geneve_opt,
# which ends in a flexible array: sparse warns at every includer.
sparse:
	$(MAKE) modules C=2 CHECK="sparse -Wno-flexible-array-array" \
		MODOUT=$(CURDIR)/build/sparse-$(KVER_TAG)

clean:
	rm -rf build
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace clean; fi
	$(MAKE) -C tests/fuzz clean
