#!/bin/sh
# A busybox shell workload: the kind of process churn a small system's
# scripts produce (fork/exec of short-lived tools, pipes, files in tmpfs,
# subshells, background jobs, signals). Each check prints "ok NAME" or
# "not ok NAME: got X, want Y"; the last line is
#   shell-workload: N passed, N failed (R rounds)
# The expected values follow from the commands themselves (arithmetic
# series, sorted sequences), not from a recorded run.
#
# usage: shell-workload.sh [ROUNDS]   (default 1; the benchmark uses more)

ROUNDS=${1:-1}
PASS=0
FAIL=0
DIR=/tmp/shell-workload.$$

check() {
	if [ "$2" = "$3" ]; then
		PASS=$((PASS + 1))
		[ "$ROUND" = 1 ] && echo "ok $1"
	else
		FAIL=$((FAIL + 1))
		echo "not ok $1: got '$2', want '$3'"
	fi
}

round() {
	mkdir -p "$DIR" && cd "$DIR" || exit 1

	# Arithmetic in the shell itself: sum of 1..2000 is 2000*2001/2.
	s=0; i=1
	while [ $i -le 2000 ]; do s=$((s + i)); i=$((i + 1)); done
	check shell-arith "$s" 2001000

	# Many short processes through a pipe.
	check seq-awk-sum "$(seq 1 3000 | awk '{ t += $1 } END { print t }')" \
		4501500
	check sort-reverse "$(seq 1 500 | sort -rn | head -n 1)" 500
	check sort-uniq "$(seq 1 400 | sed 's/.*\(.\)$/\1/' | sort | uniq | wc -l)" 10

	# Files: write, append, copy, move, read back.
	i=0
	while [ $i -lt 50 ]; do echo "line $i" >>file.txt; i=$((i + 1)); done
	cp file.txt copy.txt && mv copy.txt moved.txt
	check file-lines "$(wc -l <moved.txt)" 50
	check file-grep "$(grep -c 'line [0-9]*5$' moved.txt)" 5
	check file-cmp "$(cmp file.txt moved.txt && echo same)" same
	dd if=/dev/zero of=zero.bin bs=4096 count=64 2>/dev/null
	check dd-size "$(wc -c <zero.bin)" 262144
	check md5-of-zero "$(md5sum <zero.bin | cut -d' ' -f1)" \
		"$(head -c 262144 /dev/zero | md5sum | cut -d' ' -f1)"

	# A tree of directories, then find and tar round trip.
	for d in a b c d e; do
		mkdir -p tree/$d/sub
		for f in 1 2 3; do echo "$d$f" >tree/$d/sub/f$f; done
	done
	check find-count "$(find tree -type f | wc -l)" 15
	tar cf tree.tar tree && rm -rf tree && tar xf tree.tar
	check tar-roundtrip "$(cat tree/c/sub/f2)" c2

	# Subshells, command substitution, background jobs and wait.
	check subshell "$( (cd /; pwd) )" /
	(sleep 0.1; echo bg1 >bg1.out) &
	(echo bg2 >bg2.out) &
	wait
	check background-jobs "$(cat bg1.out bg2.out | tr '\n' ' ')" "bg1 bg2 "

	# Signals: a trap in a child shell, a killed sleeper.
	check trap-usr1 "$(sh -c 'trap "echo caught" USR1; kill -USR1 $$; true')" caught
	sleep 10 &
	pid=$!
	kill $pid
	{ wait $pid; } 2>/dev/null
	check kill-status $? 143

	# Here-document through sed and tr.
	out=$(sed 's/world/guest/' <<EOF | tr a-z A-Z
hello world
EOF
)
	check heredoc "$out" "HELLO GUEST"

	cd / && rm -rf "$DIR"
}

ROUND=1
while [ $ROUND -le "$ROUNDS" ]; do
	round
	ROUND=$((ROUND + 1))
done
echo "shell-workload: $PASS passed, $FAIL failed ($ROUNDS rounds)"
[ $FAIL -eq 0 ]
