#!/bin/sh
# Build a guest Linux from Debian's pristine linux-source package.
#
#   build.sh VERSION VARIANT OUT
#
# VERSION is 6.1 or 6.12. VARIANT is "afterburn" (every assembler input goes
# through the afterburner: gcc -B <wrapper dir>/) or "plain" (the same kernel
# without it, the baseline of the benchmarks). OUT receives vmlinux,
# System.map, .config and build-info.
#
# Nothing in the Linux tree is modified: the source is unpacked once into a
# cache directory outside the repository and built out of tree (make O=).
# The object directory is keyed by everything that shapes the result (config
# fragments, package version, toolchain, the recipe version of this script,
# and for "afterburn" the afterburner's sources), so a second 'make test'
# reuses the build, and a changed afterburner never reuses stale objects. ccache keys on the
# afterburner too (CCACHE_EXTRAFILES).
set -eu

version=$1
variant=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
cache=${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ddvm-linux}
jobs=${LINUX_JOBS:-$(nproc)}

case $version in
6.1 | 6.12) ;;
*)
	echo "linux: no Linux $version here: LINUX takes 6.1 or 6.12" >&2
	exit 1
	;;
esac
pkg=linux-source-$version
tarball=/usr/src/$pkg.tar.xz
[ -f "$tarball" ] || { echo "linux: $tarball missing (run 'make setup')" >&2; exit 1; }
pkgver=$(dpkg-query -W -f='${Version}' "$pkg")

say() { echo "linux-$version/$variant: $*"; }

# 1. Pristine source, unpacked once per package version.
src=$cache/src/$pkg-$pkgver
if [ ! -f "$src/.unpacked" ]; then
	say "unpacking $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	mv "$src.tmp/$pkg" "$src"
	rm -rf "$src.tmp"
	touch "$src/.unpacked"
fi

# 2. What the build depends on, and the key derived from it. Bump the
# recipe when a change to this script changes what a build produces (per
# variant: only the pre-virtualized kernels prepare for external modules).
recipe=1
cc="gcc"
abid=""
if [ "$variant" = afterburn ]; then
	for f in "$build/bin/afterburn" "$build/ab-as/as"; do
		[ -x "$f" ] || { echo "linux: $f missing (run 'make tools')" >&2; exit 1; }
	done
	cc="gcc -B $build/ab-as/"
	recipe=2
	# The afterburner's identity is its source and build rule, not its
	# binary: the binary embeds the checkout's path in its debug info, and
	# a clone elsewhere must still find its cached kernels.
	# The checker (abcheck/) and the tests do not shape the kernel.
	abid=$(cd "$top" && find afterburner mk/afterburner.mk \
		\( -path afterburner/tests -o -path afterburner/abcheck \) \
		-prune -o -type f -print | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
elif [ "$variant" != plain ]; then
	echo "linux: unknown variant '$variant' (afterburn|plain)" >&2
	exit 1
fi
fragments="$here/config-common $here/config-$version"
key=$( {
	echo "$pkg $pkgver $variant afterburner=$abid recipe=$recipe"
	cat $fragments
	gcc --version | head -1
	as --version | head -1
} | sha256sum | cut -c1-16)
obj=$cache/obj/$version-$variant-$key
if [ -n "${LINUX_PRINT_OBJ:-}" ]; then	# where this build lives, for scripts
	echo "$obj"
	exit 0
fi

# 3. Configure and build, unless this exact build exists already. One
# build per object directory at a time: a second 'make' waits here.
mkdir -p "$cache/obj"
exec 9>"$obj.lock"
flock 9
if [ ! -f "$obj/.built" ]; then
	mkdir -p "$obj" "$cache/ccache"
	export CCACHE_DIR="$cache/ccache" CCACHE_MAXSIZE=8G
	if [ -n "$abid" ]; then
		echo "$abid" >"$cache/afterburner-$abid.id"
		export CCACHE_EXTRAFILES="$cache/afterburner-$abid.id"
	fi
	kmake() { make -C "$src" O="$obj" CC="ccache $cc" HOSTCC="ccache gcc" "$@"; }
	say "configuring in $obj"
	kmake -s tinyconfig >/dev/null
	KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$obj" "$obj/.config" $fragments >"$obj/merge.log" 2>&1
	kmake -s olddefconfig >/dev/null
	# Every option the fragments ask for must have taken effect.
	bad=$(cat $fragments | grep -E '^(CONFIG_|# CONFIG_)' | while read -r line; do
		case $line in
		"# "*)	opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$obj/.config" || echo "$line" ;;
		*)	grep -qxF "$line" "$obj/.config" || echo "$line" ;;
		esac
	done)
	if [ -n "$bad" ]; then
		echo "linux: config fragment lines not in the final .config:" >&2
		echo "$bad" | sed 's/^/    /' >&2
		exit 1
	fi
	say "building vmlinux with $jobs jobs (log: $obj/build.log)"
	start=$(date +%s)
	if ! kmake -j"$jobs" vmlinux >"$obj/build.log" 2>&1; then
		tail -40 "$obj/build.log" >&2
		echo "linux: build failed, full log in $obj/build.log" >&2
		exit 1
	fi
	# External modules (guest/modules/) build against this tree: they
	# need the module linker script and the kernel's exported symbols.
	if [ "$variant" = afterburn ]; then
		if ! kmake -j"$jobs" modules_prepare >>"$obj/build.log" 2>&1; then
			tail -20 "$obj/build.log" >&2
			echo "linux: modules_prepare failed, log in $obj/build.log" >&2
			exit 1
		fi
		cp "$obj/vmlinux.symvers" "$obj/Module.symvers"
	fi
	say "built in $(( $(date +%s) - start ))s"
	touch "$obj/.built"
	# Keep the two newest builds of this version and variant.
	ls -dt "$cache/obj/$version-$variant-"*/ 2>/dev/null | tail -n +3 |
		while read -r old; do rm -rf "$old" "${old%/}.lock"; done
fi

# 4. Publish into the project's build directory (copy: run-native and
# run-vm boot this exact file).
mkdir -p "$out"
for f in vmlinux System.map .config; do
	cmp -s "$obj/$f" "$out/$f" 2>/dev/null || cp "$obj/$f" "$out/$f"
done
printf 'version=%s\npackage=%s %s\nvariant=%s\nkey=%s\nobj=%s\nsrc=%s\n' \
	"$version" "$pkg" "$pkgver" "$variant" "$key" "$obj" "$src" >"$out/build-info"
say "$(sha256sum "$out/vmlinux" | cut -c1-16)  $out/vmlinux"
