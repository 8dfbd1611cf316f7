# Sourced, after root and seed are set, by the scripts that analyse a run
# of bench/closed_loop.sh SEED (order_loss.sh, order_components.sh,
# fresh_examples.sh, second_stage_ab.sh): puts BIN=DIR [bin/] first on PATH and enters the
# run's folder, OUT=DIR [bench/out/closed_loop.SEED]; w is its funnel's
# work folder.
PATH=${BIN:-$root/bin}:$PATH
export PATH
out=${OUT:-$root/bench/out/closed_loop.$seed}
[ -r "$out/ranked1.resp" ] || { echo "$(basename "$0"): run sh bench/closed_loop.sh $seed first" >&2; exit 1; }
cd "$out"
w=funnel/work

# judge MODEL PREFIX prints "ORDER<tab>SHARE" of MODEL's re-order of the
# run's first-stage 150 rows (PREFIX.150, .ranked and .feed.tsv.gz):
# the true shares of its top 25 over the best 25 of the 150, and the
# diversified feed's shares per impression over the oracle's. The caller
# sets W (the world's ig-synth flags), side and pos.
judge() {
	# shellcheck disable=SC2086
	ig-rank score -q -m "$1" --history world/events.tsv.gz $side --neighbors $w/all.nbrs.tsv.gz \
		--vectors $w/all.vec.gz $pos --value like=1,comment=1,share=1,save=1 --keep 150 \
		-o "$2.150.tsv.gz" funnel/ranked1.tsv.gz
	zcat "$2.150.tsv.gz" | awk -F'\t' '/^#/ { print; next } { if ($1 != u) { u = $1; k = 0 } if (++k <= 50) print }' |
		gzip -1 >"$2.ranked.tsv.gz"
	ig-diversify -q --seed 1 --items world/items.tsv.gz --topics world/topics.tsv.gz --vectors $w/all.vec.gz \
		--events world/events.tsv.gz --author-window 2 -n 25 -o "$2.feed.tsv.gz" "$2.ranked.tsv.gz"
	order=$(zcat "$2.150.tsv.gz" | awk -F'\t' 'NR == FNR { if (!/^#/) t[$1 "\t" $3] = $8; next }
		/^#/ { next } { if ($1 != u) { u = $1; k = 0 } v = t[$1 "\t" $2]; if (++k <= 25) got += v
			n[$1]++; s[$1, n[$1]] = v }
		END { for (x in n) { m = n[x]; for (i = 1; i <= m; i++) a[i] = s[x, i]
				for (i = 2; i <= m; i++) { y = a[i]; for (j = i - 1; j >= 1 && a[j] < y; j--) a[j + 1] = a[j]; a[j + 1] = y }
				for (i = 1; i <= 25 && i <= m; i++) best += a[i] }
			printf "%.4f", got / best }' ranked1.resp -)
	# shellcheck disable=SC2086
	share=$(ig-synth respond $W -q --table "$2.feed.tsv.gz" | awk '$1 == "share" { print $5 }')
	printf '%s\t%s' "$order" "$share"
}
