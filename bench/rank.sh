#!/bin/sh
# ig-rank against XGBoost and logistic regression on the very same rows,
# same threads, same run, on an ig-synth world where the true engagement
# probabilities are known: per-head test AUC of each, as a share of the
# oracle's AUC (truth_impressions) on the same rows; training times and
# their ratio; first-stage scoring speed in candidates/s per thread; the
# second stage's AUC minus each anchor's per head with a 95% interval
# (paired bootstrap over the test users), so that a head with few test
# positives is read with its noise.
#
# The world is cut in time: events before 50% are the history of the
# training examples (the impressions of 50-75%); events before 75% the
# history of the test examples (the impressions of 75-100%).
#
#   sh bench/rank.sh [USERS] [DAYS] [THREADS] [WORKDIR]
# IG_BIN=DIR runs the binaries of DIR (a frozen copy while rebuilding).
set -eu
users=${1:-3000}
days=${2:-14}
T=${3:-2}
dir=${4:-$(mktemp -d "${TMPDIR:-/tmp}/rank_bench.XXXXXX")}
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=${IG_BIN:-$root/bin}:$PATH
mkdir -p "$dir"
cd "$dir"
ig-synth -q -@ "$T" --users "$users" --items $((users * 5)) --days "$days" -o w
ig-eval split -q --at-fraction 0.75 --test-all -o late w/events.tsv.gz
ig-eval split -q --at-fraction 0.6667 --test-all -o early late.train.tsv.gz
ctx="--items w/items.tsv.gz --follows w/follows.tsv.gz --topics w/topics.tsv.gz"
ig-cooccur -q -@ "$T" -k 30 -o early.nb.tsv.gz early.train.tsv.gz
ig-cooccur -q -@ "$T" -k 30 -o late.nb.tsv.gz late.train.tsv.gz
ig-rank features -q --history early.train.tsv.gz --impressions early.test.tsv.gz $ctx \
	--neighbors early.nb.tsv.gz -o train.tsv.gz
ig-rank features -q --history late.train.tsv.gz --impressions late.test.tsv.gz $ctx \
	--neighbors late.nb.tsv.gz -o test.tsv.gz
echo "rows: $(zcat train.tsv.gz | grep -vc '^#') train, $(zcat test.tsv.gz | grep -vc '^#') test"
# seconds NAME CMD...: wall seconds of CMD; its CPU seconds in NAME.cpu
seconds() {
	name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$name.time" "$@"
	awk '{ print $2 + $3 }' "$name.time" >"$name.cpu"
	awk '{ print $1 }' "$name.time"
}
t2=$(seconds second ig-rank train -q -@ "$T" -o second.model train.tsv.gz)
t1=$(seconds first ig-rank train -q -@ "$T" --stage first -o first.model train.tsv.gz)
# OpenMP threads that sleep when idle: on a shared machine, spinning ones
# would make XGBoost look slower than it is
export OMP_WAIT_POLICY=PASSIVE
ig-rank eval -q -u -m second.model --predictions second.pred.tsv test.tsv.gz | awk -F'\t' '!/^#/ { print $1 "\tig-rank second\t" $4 }' >auc.tsv
ig-rank eval -q -u -m first.model test.tsv.gz | awk -F'\t' '!/^#/ { print $1 "\tig-rank first\t" $4 }' >>auc.tsv
/usr/bin/python3 "$root/bench/rank_ref.py" --compare second=second.pred.tsv train.tsv.gz test.tsv.gz "$T" w/truth_impressions.tsv.gz >ref.tsv
txgb=$(awk -F'\t' '$2 == "xgboost" { s += $4 } END { print s + 0 }' ref.tsv)
cxgb=$(awk -F'\t' '$2 == "xgboost" { s += $5 } END { print s + 0 }' ref.tsv)
tlr=$(awk -F'\t' '$2 == "logistic" { s += $4 } END { print s + 0 }' ref.tsv)
echo
echo "per-head test AUC (share of the oracle's AUC on the same rows):"
cat auc.tsv ref.tsv | awk -F'\t' '
	$2 == "oracle" { o[$1] = $3 } $3 != "" && $2 != "oracle" { a[$1, $2] = $3; heads[$1] = 1 }
	END {
		printf "%-9s %8s  %-16s %-16s %-16s %-16s\n", "head", "oracle", "ig-rank second", "ig-rank first", "xgboost", "logistic"
		n = split("view like comment share save follow see_less hide", hs, " ")
		for (i = 1; i <= n; i++) {
			h = hs[i]; if (!(h in heads)) continue
			printf "%-9s %8s", h, o[h]
			m = split("ig-rank second,ig-rank first,xgboost,logistic", ms, ",")
			for (j = 1; j <= m; j++) {
				v = a[h, ms[j]]
				if (v == "") printf "  %-16s", "-"
				else if (o[h] > 0.5) printf "  %-16s", sprintf("%.4f (%.3f)", v, (v - 0.5) / (o[h] - 0.5))
				else printf "  %-16s", v
			}
			printf "\n"
		}
	}'
echo "(share = (AUC - 0.5) / (oracle AUC - 0.5))"
echo
echo "second stage minus each anchor, test AUC, with the 95% interval of a paired bootstrap over the test users:"
awk -F'\t' '$2 ~ /^second-/ { sub(/^second-/, "", $2); printf "%-9s %-9s %s  [%s, %s]\n", $1, $2, $3, $4, $5 }' ref.tsv
echo
printf 'training, all heads, %s threads: ig-rank second %.2f s, first %.2f s; XGBoost %.2f s (%.1fx the second stage); logistic regression %.2f s\n' \
	"$T" "$t2" "$t1" "$txgb" "$(echo "$txgb / $t2" | bc -l)" "$tlr"
printf 'CPU time: ig-rank second %.2f s, XGBoost %.2f s (%.1fx)\n' "$(cat second.cpu)" "$cxgb" \
	"$(echo "$cxgb / $(cat second.cpu)" | bc -l)"
for m in first second; do
	ig-rank eval -u -m $m.model test.tsv.gz 2>&1 >/dev/null | sed "s/^ig-rank:/$m stage model alone:/"
done
ig-eval baseline itemknn -q -n 500 --train late.train.tsv.gz --users late.test.tsv.gz -o cand.tsv.gz
for m in first second; do
	ig-rank score -@ 1 -m $m.model --history late.train.tsv.gz $ctx --neighbors late.nb.tsv.gz \
		--keep 50 -o /dev/null cand.tsv.gz 2>&1 | sed "s/^ig-rank:/$m stage, 1 thread:/"
done
