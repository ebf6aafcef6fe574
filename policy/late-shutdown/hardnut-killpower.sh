#!/bin/sh
# The late-shutdown hook (issue 15), one script for every kind of system:
#   systemd   /usr/lib/systemd/system-shutdown/hardnut-killpower (systemd-shutdown runs it after
#             services stopped and file systems went read-only or away; it kills hooks after 90 s)
#   dracut    sourced by 90hardnut-killpower's shutdown hook in the exitrd (/run/initramfs)
#   exitrd    called by exitrd-shutdown (/run/initramfs/shutdown) on images without dracut
#   sysvinit  called by the hardnut-killpower init script at runlevel 0, after umountroot
# It reads only the /run snapshot (hardnut killpower snapshot) and the signed flag, runs the
# snapshot's node on the snapshot's hardnut, and never sleeps: `killpower hook` keeps inside 75 s.
# Idempotent: the hook claims this boot's one send; a second run sends nothing and exits 0.
# No flag, or a refused one: exit 0 too (the reason is logged), so dracut stops re-running it.
for run in "${HARDNUT_RUN:-/run}" /oldsys/run /oldroot/run; do
	late="$run/hardnut/late"
	[ -r "$late/manifest" ] && break
	late=
done
[ -n "$late" ] || exit 0
node=$(sed -n 's/^node //p' "$late/manifest")
[ -x "$node" ] || { echo "hardnut-killpower: $node (from $late/manifest) is not here: UPS power not cut" >&2; exit 0; }
HARDNUT_LATE_DIR="$late" HARDNUT_KILLPOWER_DIR="${late%/late}/killpower" "$node" "$late/dist/hardnut.js" killpower hook
status=$?
case $status in
	0|10|11|12|13|14|15) exit 0 ;;   # done, or nothing this hook may ever do
	*) exit "$status" ;;             # 16: a driver failed; a later hook (the exitrd) may retry
esac
