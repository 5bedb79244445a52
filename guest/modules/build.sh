#!/bin/sh
# Build the guest modules (this directory) for one pre-virtualized kernel.
#
#   build.sh VERSION OUT
#
# Kbuild's external-module build against the kernel's cached object tree
# (guest/linux/build.sh recorded where in build/linux/VERSION/build-info),
# with the afterburner as assembler like the kernel itself: every
# sensitive instruction in the modules is padded and recorded. The sources
# are copied to OUT, because Kbuild writes its objects next to them.
set -eu

version=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
info=$build/linux/$version/build-info
[ -f "$info" ] || { echo "modules: $info missing (make linux-all)" >&2; exit 1; }
obj=$(sed -n 's/^obj=//p' "$info")
src=$(sed -n 's/^src=//p' "$info")
[ -f "$obj/scripts/module.lds" ] || {
	echo "modules: $obj is not prepared for external modules" >&2; exit 1; }

mkdir -p "$out/include/guest"
out=$(cd "$out" && pwd)	# Kbuild's M= wants an absolute path
for f in "$here"/*.c "$here"/*.h "$here/Kbuild"; do
	cmp -s "$f" "$out/${f##*/}" || cp "$f" "$out/"
done
h=$top/include/guest/vmmctl.h
cmp -s "$h" "$out/include/guest/vmmctl.h" || cp "$h" "$out/include/guest/"
# A module built against another kernel tree must not be reused.
if ! cmp -s "$info" "$out/build-info"; then
	rm -f "$out"/*.o "$out"/*.ko
	cp "$info" "$out/build-info"
fi
if ! make -C "$src" O="$obj" M="$out" CC="gcc -B $build/ab-as/" \
	modules >"$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	echo "modules: build for $version failed, log in $out/build.log" >&2
	exit 1
fi
echo "modules-$version: $(cd "$out" && ls *.ko | tr '\n' ' ')"
