#!/bin/sh
# ig-train-tower against a PyTorch two-tower model of the same shape
# (bench/tower_ref.py: same examples, features, loss, optimiser, batch,
# epochs and threads) and against ig2vec + ig-retrieve's knn(user) source,
# in one run: recall@100 of retrieval (ig-eval metrics), recall@100 of the
# items new in the held-out period (cold items, bench/tower_cold.py), and
# the training's CPU and wall time, with the ratio to PyTorch's.
#   sh bench/tower.sh valid   # tune: fit -> valid, a cut inside train
#   sh bench/tower.sh test    # report once: train -> test
# Datasets: MovieLens 100K (every rating an interaction, the last 20% of
# each user held out; events alone) and an ig-synth world (items, follows
# and topics; the last 20% of the time held out, so that items posted then
# are cold). THREADS (2) threads for both trainers. Needs the binaries in
# bin/, ../shared/data/movielens-100k and python3-torch.
set -eu
part=${1:-valid}
threads=${THREADS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$root/../shared/data/movielens-100k/u.data.gz}
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tower.XXXXXX")}
PATH=$root/bin:$PATH
py=/usr/bin/python3
cd "$work"
[ -f ml.test.tsv.gz ] || {
	ig-ingest -q -p ml-100k -o ml.events.tsv.gz "$data"
	ig-eval split -q --holdout 20% --valid 20% --positives view,like,see_less -o ml ml.events.tsv.gz
}
[ -f sy.test.tsv.gz ] || {
	ig-synth -q --users 1000 --items 3000 --days 7 --seed 3 -o w
	ig-eval split -q --at-fraction 0.8 --valid-fraction 0.2 -o sy w/events.tsv.gz
}
case $part in
valid) fit=fit truth=valid ;;
test) fit=train truth=test ;;
*) echo "usage: tower.sh valid|test" >&2; exit 2 ;;
esac

# NAME HIST TRUTH POSITIVES SIDE: one dataset, three systems
run() {
	name=$1 hist=$2 truth=$3 pos=$4 side=$5
	recall() {
		ig-eval metrics -q -t "$truth" --train "$hist" --positives "$pos" -k 100 --bootstrap 0 --tsv -u "$1" |
			awk -F'\t' '$1 == "recall" { print $3 }'
	}
	/usr/bin/time -f '%U %S %e' -o c.time ig-train-tower -q -@ "$threads" $side -o c "$hist"
	ig-retrieve -q --vectors c.items.vec --user-vectors c.users.vec -n 100 -S 'tower(100)' -o c.tsv.gz "$hist"
	/usr/bin/time -f '%U %S %e' -o t.time $py "$root/bench/tower_ref.py" --threads "$threads" $side -o t "$hist" >t.log
	ig-retrieve -q --vectors t.items.vec --user-vectors t.users.vec -n 100 -S 'tower(100)' -o t.tsv.gz "$hist"
	ig-train-w2v -q --item2vec --min-count 1 --seed 1 -@ "$threads" -o w.vec.gz "$hist"
	ig-retrieve -q --vectors w.vec.gz -n 100 -S 'knn(user,100)' -o k.tsv.gz "$hist"
	cpu_c=$(awk '{ print $1 + $2 }' c.time) cpu_t=$(awk '{ print $1 + $2 }' t.time)
	echo "== $name ($part)"
	printf '%-30s %10s %12s %10s\n' system recall@100 "train CPU s" "wall s"
	printf '%-30s %10s %12s %10s\n' "ig-train-tower" "$(recall c.tsv.gz)" "$cpu_c" "$(awk '{ print $3 }' c.time)"
	printf '%-30s %10s %12s %10s\n' "PyTorch $(sed -n 's/^torch \([^:]*\):.*/\1/p' t.log)" "$(recall t.tsv.gz)" \
		"$cpu_t" "$(awk '{ print $3 }' t.time)"
	printf '%-30s %10s\n' "ig2vec + knn(user,100)" "$(recall k.tsv.gz)"
	echo "CPU time ratio PyTorch / ig-train-tower: $(awk -v a="$cpu_t" -v b="$cpu_c" 'BEGIN { printf "%.1f", a / b }')"
	echo "(PyTorch's own timing, data preparation apart: $(tail -1 t.log))"
	$py "$root/bench/tower_cold.py" "$hist" "$truth" "$pos" 100 c.tsv.gz t.tsv.gz k.tsv.gz
}
run "MovieLens 100K, events alone" ml.$fit.tsv.gz ml.$truth.tsv.gz view,like,see_less ""
run "ig-synth world, with items, follows, topics" sy.$fit.tsv.gz sy.$truth.tsv.gz like,comment,save,share \
	"--items w/items.tsv.gz --follows w/follows.tsv.gz --topics w/topics.tsv.gz"
echo "work files in $work"
