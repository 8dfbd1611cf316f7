#!/bin/sh
# The library's layers: a folder may include the public headers of lower
# layers only, and its own private (*_priv.h) headers; cmd/ may include any
# public header. Peers (same layer) do not include each other.
# Usage: layers.sh [ROOT]
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
rank() {
	case $1 in
	core) echo 0 ;; io) echo 1 ;; cli) echo 2 ;;
	ingest | synth | cooccur | w2v | tower | stats | insights) echo 3 ;;
	eval) echo 4 ;; retrieve) echo 5 ;; rank) echo 6 ;; diversify) echo 7 ;;
	funnel) echo 8 ;;
	*) echo "" ;;
	esac
}
bad=0 n=0
for f in "$root"/lib/*/*.[ch]; do
	n=$((n + 1))
	from=$(basename "$(dirname "$f")")
	rf=$(rank "$from")
	if [ -z "$rf" ]; then
		echo "layers: lib/$from: folder has no layer (add it to tests/layers.sh and lib/README.md)"
		bad=1
		continue
	fi
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $inc in */*) ;; *) continue ;; esac
		to=${inc%%/*}
		[ "$to" = "$from" ] && continue
		rt=$(rank "$to")
		case $inc in *_priv.h)
			echo "layers: ${f#"$root"/}: includes $inc, private to lib/$to"
			bad=1
			continue ;;
		esac
		if [ -z "$rt" ] || [ "$rt" -ge "$rf" ]; then
			echo "layers: ${f#"$root"/}: lib/$from (layer $rf) includes $inc (layer ${rt:-?})"
			bad=1
		fi
	done
done
for f in "$root"/cmd/*.c; do
	n=$((n + 1))
	if grep -q '^#include "[^"]*_priv\.h"' "$f"; then
		echo "layers: ${f#"$root"/}: a command includes a private header"
		bad=1
	fi
done
if [ $bad = 0 ]; then echo "layers: $n passed, 0 failed"; else echo "layers: $n checked, layering broken"; fi
exit $bad
