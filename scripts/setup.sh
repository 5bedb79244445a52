#!/bin/sh
# The setup step behind 'make run' / 'make test': installs the Debian packages
# the project needs, and only those that are missing (idempotent, no other
# downloads). Run as root, or with sudo available.
set -e

PACKAGES="
	build-essential gcc make binutils bc bison flex libelf-dev libssl-dev
	cpio xz-utils kmod rsync ccache python3 python3-matplotlib clang-format
	qemu-system-x86 busybox-static
	linux-source-6.1 linux-source-6.12
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "setup: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
