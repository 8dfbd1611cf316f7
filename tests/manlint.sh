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
# SEE ALSO cites only igfunnel pages that exist (a page of a tool not yet
# written is added with the tool).
for page in "$@"; do
	dir=$(dirname "$page")
	for ref in $(sed -n '/^\.Sh SEE ALSO/,/^\.Sh /s/^\.Xr \(ig-[a-z0-9-]*\) \([1-9]\).*/\1.\2/p' "$page"); do
		if [ ! -f "$dir/$ref" ]; then
			echo "$page: SEE ALSO cites $ref, which does not exist"
			status=1
		fi
	done
done
# EXIT STATUS says it once: either .Ex -std or its own words, not both.
for page in "$@"; do
	if sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$page" | grep -q '^\.Ex' &&
		[ "$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$page" | grep -vc '^\.')" -gt 0 ]; then
		echo "$page: EXIT STATUS has both .Ex -std and its own text"
		status=1
	fi
done
n=$#
[ $status = 0 ] && echo "manlint: $n passed, 0 failed" || echo "manlint: pages with warnings above"
exit $status
