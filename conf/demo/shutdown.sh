# The demo's SHUTDOWNCMD: a real one would be `systemctl poweroff` (see README: shutdown methods).
printf 'SHUTDOWNCMD|would shut down now (this is a demo: nothing is shut down)\n' >> "$1"
