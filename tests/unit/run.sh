#!/bin/sh
# Runs each cmocka test binary; VALGRIND=1 runs them under valgrind.
fail=0 pass=0
for t in "$@"; do
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --show-possibly-lost=no --leak-check=full --errors-for-leak-kinds=definite "$t" || { fail=$((fail + 1)); continue; }
	else
		"$t" || { fail=$((fail + 1)); continue; }
	fi
	pass=$((pass + 1))
done
echo "unit: $pass passed, $fail failed"
[ $fail = 0 ]
