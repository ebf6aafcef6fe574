#!/bin/bash
# dracut module: puts the late-shutdown hook (and the node binary it runs) into the initramfs,
# so an image-based or read-only system cuts UPS power from the exitrd after everything is
# unmounted (issue 15; NUT #2836). Install to /usr/lib/dracut/modules.d/90hardnut-killpower/.
# The snapshot itself is not in the image: it is on /run, written at boot by
# hardnut-killpower-snapshot.service, and the exitrd sees /run.

check() {
	require_binaries node || return 1
	return 255   # only when asked for (add_dracutmodules+=" hardnut-killpower ")
}

depends() {
	echo shutdown
	return 0
}

install() {
	inst_multiple node sed
	# the driver's -k confines itself: libseccomp (by koffi) and root's passwd line
	inst_libdir_file "libseccomp.so.2*"
	grep '^root:' /etc/passwd >> "$initdir/etc/passwd"
	inst_simple "$moddir/hardnut-killpower.sh" /usr/lib/hardnut/hardnut-killpower.sh
	inst_hook shutdown 40 "$moddir/killpower-hook.sh"
}
