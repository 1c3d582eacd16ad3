# SPDX-License-Identifier: GPL-2.0
#
# The developer's verbs. Kbuild files hold objects and flags; this file
# holds what you type.

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr
DESTDIR ?=
KVERS ?= 6.1 6.12
VERSION := 0.1.0

# Keep the builds for different kernels apart: kbuild writes its objects
# next to the sources, so each kernel gets a private copy of the tree.
BUILD ?= build

PWD := $(CURDIR)

.PHONY: all module tools clean install uninstall check demo bench \
	style sparse modules-for dkms-install

all: module tools

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

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	rm -rf $(BUILD)

install: all
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install
	depmod -a $(shell basename $$(dirname $(KDIR)))
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	rm -f /lib/modules/$(shell basename $$(dirname $(KDIR)))/updates/synguard.ko
	depmod -a $(shell basename $$(dirname $(KDIR)))
	$(MAKE) -C tools uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	dkms add $(PWD) || true
	dkms build synguard/$(VERSION)
	dkms install synguard/$(VERSION)

style:
	selftests/checkpatch.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 modules

check:
	selftests/qemu/check.sh $(KVERS)

demo:
	selftests/qemu/demo.sh $(firstword $(filter 6.12,$(KVERS)) 6.12)

bench:
	selftests/qemu/bench.sh
