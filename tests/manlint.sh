#!/bin/sh
# mandoc -Tlint on every page; any message fails the check.
status=0
for page in "$@"; do
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1) || status=1
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		status=1
	fi
done
n=$#
[ $status = 0 ] && echo "manlint: $n passed, 0 failed" || echo "manlint: pages with warnings above"
exit $status
