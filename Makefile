# SPDX-License-Identifier: GPL-2.0
#
# The developer's verbs. Kbuild files hold objects and flags; this file
# holds what you type.

KDIR ?= /lib/modules/$(shell uname -r)/build
KRELEASE = $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
PREFIX ?= /usr
DESTDIR ?=
# check: what CI runs, in about half of its 90 minutes. Every selftest
# that guards one of the project's four rules (a "# rules:" line, see
# README.md, Tests) on the newest generic kernel of each series; the
# others once, on the newest 6.12, but for the slow ones marked "# tier:
# all", which only check-all runs; and quick (SYNGUARD_QUICK): a test
# that repeats a case on a path another of its cases takes runs it once.
# check-all runs every selftest, whole, on every
# kernel: the newest and oldest ABI of each series, the cloud and
# PREEMPT_RT flavours, and 6.12 cloud with the Debian packages installed
# and the module DKMS built from them (deb@, check.sh's KVER syntax).
# Naming KVERS on the command line runs every selftest (or TESTS) on
# those kernels only; so does TESTS alone on the newest generic ones.
KVERS ?= 6.1 6.12
ifneq ($(origin KVERS),command line)
ifeq ($(TESTS),)
CHECK_KVERS ?= 6.12:@core 6.1:@rules
endif
endif
CHECK_KVERS ?= $(KVERS)
ALL_KVERS = 6.1 6.12 6.1-oldest 6.12-oldest 6.1-cloud deb@6.12-cloud 6.1-rt \
	6.12-rt
FUZZ_SECONDS ?= 60
# The version lives in module/version.h only; dkms.conf and the Debian
# packages take it from there (debian/rules checks debian/changelog).
VERSION := $(shell sed -n 's/^\#define SYNGUARD_VERSION "\(.*\)"$$/\1/p' module/version.h)

# Keep the builds for different kernels apart: kbuild writes its objects
# next to the sources, so each kernel gets a private copy of the tree.
BUILD ?= build

PWD := $(CURDIR)

.PHONY: all module tools clean install uninstall check check-all check-debug demo \
	bench style sparse modules-for dkms-install dkms-uninstall fuzz \
	version deb deb-check

all: module tools

version:
	@test -n "$(VERSION)" || \
		{ echo "no SYNGUARD_VERSION in module/version.h" >&2; exit 1; }
	@echo $(VERSION)

module:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

tools:
	$(MAKE) -C tools

# modules-for KDIR=... OUT=...: build the module for one kernel into its
# own directory, leaving the source tree clean.
modules-for:
	@test -n "$(OUT)" || { echo "modules-for needs OUT=dir" >&2; exit 1; }
	rm -rf $(OUT)/src && mkdir -p $(OUT)/src
	cp -r Kbuild module include $(OUT)/src/
	$(MAKE) -C $(KDIR) M=$(abspath $(OUT)/src) modules
	cp $(OUT)/src/module/synguard.ko $(OUT)/synguard.ko

# build-all: modules-for with W=1 for every Debian 12 kernel ABI whose
# headers the archive still has, unpacked into a cache, never installed.
.PHONY: build-all
build-all:
	selftests/build-all.sh

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	rm -rf $(BUILD)

# The module goes to /lib/modules/<release>/updates/, which depmod
# prefers over anything of the same name in the kernel's own tree.
install: all
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KRELEASE)
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	rm -f /lib/modules/$(KRELEASE)/updates/module/synguard.ko*
	depmod -a $(KRELEASE)
	$(MAKE) -C tools uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# dkms-install [KRELEASE=...]: let DKMS build and install it for a kernel.
# DKMS copies the tree it is given to /usr/src/synguard-VERSION: give it the
# module's sources only, with the version filled into dkms.conf.
DKMS_SRC = $(BUILD)/dkms/synguard-$(VERSION)
dkms-install:
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)/module
	cp -r Kbuild include $(DKMS_SRC)/
	cp module/Kbuild module/*.c module/*.h $(DKMS_SRC)/module/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add $(DKMS_SRC)
	dkms install synguard/$(VERSION) -k $(KRELEASE)

dkms-uninstall:
	dkms remove synguard/$(VERSION) --all

style:
	selftests/checkpatch.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 modules

check:
	SYNGUARD_QUICK=1 selftests/qemu/check.sh $(CHECK_KVERS)

check-all:
	selftests/qemu/check.sh $(ALL_KVERS)

# check-debug: every selftest on a 6.12 kernel with KASAN, kmemleak,
# lockdep and friends, built once from Debian's linux-source-6.12 (cached
# outside the tree). Slow: not part of CI.
check-debug:
	@tree=$$(selftests/qemu/debug-kernel.sh) && \
		SYNGUARD_TIMEOUT_SCALE=$${SYNGUARD_TIMEOUT_SCALE:-3} \
		selftests/qemu/check.sh "$$tree"

# fuzz [FUZZ_SECONDS=N]: libFuzzer over the option code the module uses.
fuzz:
	$(MAKE) -C fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

demo:
	selftests/qemu/demo.sh $(firstword $(filter 6.12,$(KVERS)) 6.12)

bench:
	selftests/qemu/bench.sh

# deb: synguard-dkms and synguardctl .debs in build/deb/, built with
# debhelper from a copy of the tree (as git sees it), checked with lintian.
deb:
	selftests/deb/build.sh

# deb-check: install the .debs on this machine, check that DKMS built the
# module for every kernel with headers, remove them and check nothing is
# left (SYNGUARD_DEB_KEEP=1 keeps them installed). No QEMU.
deb-check:
	selftests/deb/check.sh
