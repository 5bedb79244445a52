#!/bin/sh
# A compile workload: gcc -O2 builds a small C project inside the guest,
# the afterburner's annotator (tests/lib/compile_workload.py puts the host's
# gcc, as and ld with their libraries and headers into the initramfs, and
# the sources under /src/afterburner). Every round compiles each file in a
# fresh directory and links the program; the last round's program then
# annotates the afterburner's test cases, and its output must equal,
# byte for byte, what the host's own build of the same sources wrote
# (/src/cases/NAME.want next to NAME.s). The last line is
#   compile-workload: ok (R rounds, N files, M cases)
# or "compile-workload: FAILED: <what>", with exit status 1.
#
# usage: compile-workload.sh [ROUNDS]   (default 1)

ROUNDS=${1:-1}
SRC=/src/afterburner
DIR=/tmp/compile-workload.$$
CFLAGS="-std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -I$SRC"

fail() {
	echo "compile-workload: FAILED: $*"
	exit 1
}

[ -x /usr/bin/gcc ] || fail "no /usr/bin/gcc in the guest"
files=$(cd "$SRC" && ls *.c) || fail "no sources in $SRC"
nfiles=$(echo $files | wc -w)

round=1
while [ "$round" -le "$ROUNDS" ]; do
	rm -rf "$DIR" && mkdir -p "$DIR" && cd "$DIR" || fail "cannot use $DIR"
	for f in $files; do
		gcc $CFLAGS -c "$SRC/$f" -o "${f%.c}.o" || fail "gcc -c $f"
	done
	gcc -o afterburn *.o || fail "link (round $round)"
	round=$((round + 1))
done

ncases=0
for s in /src/cases/*.s; do
	want=${s%.s}.want
	./afterburn "$s" >out.s || fail "afterburn $s exited with $?"
	cmp -s out.s "$want" || fail "afterburn $s: output differs from the host's"
	ncases=$((ncases + 1))
done
[ "$ncases" -gt 0 ] || fail "no test cases in /src/cases"
cd / && rm -rf "$DIR"
echo "compile-workload: ok ($ROUNDS rounds, $nfiles files, $ncases cases)"
