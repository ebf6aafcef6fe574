#!/bin/sh
# install.sh BIN KEYGEN: run by `make install` (helpers/Makefile passes DESTDIR, LIBEXECDIR, GROUP,
# METHOD, CONF, KEYFILE, NONCES). Installs upsshutdown root:$GROUP mode 4750, and on first install
# the key pair and a config. Refuses, changing nothing, when: not root; $GROUP does not exist;
# METHOD is not initctl|systemctl|reboot (`command` needs its argv written by hand); any existing
# directory on the way is a symlink, not root-owned, or group/world-writable (a root-owned sticky
# ancestor such as /tmp is allowed; the target directory itself never); an existing key is not a
# root-owned 0600 file.
set -eu
bin=$1
keygen=$2
die() { echo "install: $*" >&2; exit 1; }

# Every existing component of $1 must be a real directory only root can change.
# $2 = strict: the directory itself may not be group/world-writable even if sticky.
check_dir() {
	path=$1 strict=${2:-}
	prefix=
	rest=${path#/}
	while :; do
		comp=${rest%%/*}
		prefix=$prefix/$comp
		[ -n "$comp" ] || prefix=/
		if [ -L "$prefix" ]; then die "$prefix is a symlink"; fi
		if [ -e "$prefix" ]; then
			[ -d "$prefix" ] || die "$prefix is not a directory"
			set -- $(stat -c '%u %a' "$prefix")
			[ "$1" = 0 ] || die "$prefix is not owned by root"
			mode=$((0$2))
			if [ $((mode & 0022)) != 0 ]; then
				if [ $((mode & 01000)) = 0 ] || { [ "$strict" = strict ] && [ "$prefix" = "$path" ]; }; then
					die "$prefix is writable by group or others (mode $2)"
				fi
			fi
		fi
		[ "$rest" != "${rest#*/}" ] || break
		rest=${rest#*/}
	done
}

[ "$(id -u)" = 0 ] || die "must run as root (it sets owner root and the setuid bit)"
gid=$(getent group "$GROUP" | cut -d: -f3) || true
[ -n "$gid" ] || die "group '$GROUP' does not exist (groupadd --system $GROUP, then add upsmon's user to it)"
case $METHOD in initctl|systemctl|reboot) ;; *) die "METHOD must be initctl, systemctl or reboot (for command, write the config by hand)";; esac
case $LIBEXECDIR$CONF$KEYFILE$NONCES in *[!A-Za-z0-9/._-]*) die "paths may only use A-Z a-z 0-9 / . _ -";; esac
[ -x "$bin" ] && [ -x "$keygen" ] || die "build first: make"

target=$DESTDIR$LIBEXECDIR
confdir=$DESTDIR$(dirname "$CONF")
keydir=$DESTDIR$(dirname "$KEYFILE")
noncedir=$DESTDIR$(dirname "$NONCES")
for d in "$target" "$confdir" "$keydir" "$noncedir"; do check_dir "$d" strict; done
umask 022
mkdir -p "$target" "$confdir" "$keydir"
mkdir -p -m 0700 "$noncedir"
for d in "$target" "$confdir" "$keydir" "$noncedir"; do check_dir "$d" strict; done

# Copy under a temporary name, set owner then mode (chown clears the setuid bit), rename into place.
tmp=$target/.upsshutdown.$$
trap 'rm -f "$tmp"' EXIT
cp "$bin" "$tmp"
chown "root:$gid" "$tmp"
chmod 4750 "$tmp"
mv -f "$tmp" "$target/upsshutdown"
[ "$(stat -c '%u %g %a' "$target/upsshutdown")" = "0 $gid 4750" ] || die "$target/upsshutdown: owner or mode did not stick"
cp "$keygen" "$tmp"
chown root:root "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$target/upsshutdown-keygen"

key=$DESTDIR$KEYFILE
if [ -e "$key" ] || [ -L "$key" ]; then
	[ ! -L "$key" ] && [ "$(stat -c '%u %a %s' "$key")" = "0 600 64" ] || die "$key exists but is not a root-owned 0600 64-byte key"
	publine=$("$keygen" pubkey "$key")
else
	publine=$("$keygen" new "$key")
	echo "install: new key pair, secret key in $key (upsmon's dispatcher loads it while root)"
fi

conf=$DESTDIR$CONF
if [ -e "$conf" ] || [ -L "$conf" ]; then
	grep -qx "$publine" "$conf" || echo "install: warning: $conf does not name the public key of $key" >&2
	echo "install: kept the existing $conf"
else
	{
		echo "# upsshutdown.conf, written by make install. upsshutdown refuses this file unless it is"
		echo "# root-owned and not group/world-writable. Format: helpers/README.md in hardnut's source."
		echo "$publine"
		echo "method $METHOD"
		echo "nonces $NONCES"
	} > "$conf"
	chmod 0644 "$conf"
	echo "install: wrote $conf (method $METHOD)"
fi
echo "install: $target/upsshutdown is root:$GROUP 4750; add upsmon's user to $GROUP (usermod -aG $GROUP nut)"
