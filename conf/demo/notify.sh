# The demo's NOTIFYCMD: upsmon runs `sh notify.sh <log> <message>` with NOTIFYTYPE and UPSNAME set.
printf 'NOTIFY|%s|%s|%s\n' "$NOTIFYTYPE" "$UPSNAME" "$2" >> "$1"
