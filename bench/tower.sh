#!/bin/sh
# ig-train-tower against a PyTorch two-tower model of the same shape
# (bench/tower_ref.py: same examples, features, loss, optimiser, batch,
# epochs and threads) and against ig2vec + ig-retrieve's knn(user) source,
# in one run: recall@100 of retrieval (ig-eval metrics), recall@100 of the
# items new in the held-out period (cold items, bench/tower_cold.py), and
# the training's CPU and wall time, with the ratio to PyTorch's.
#   sh bench/tower.sh            # valid, test and synth, in this order
#   sh bench/tower.sh CUT...     # some: valid, world (tuning), test, synth
# Cuts: MovieLens 100K, every rating an interaction, events alone
# (ig-eval split --holdout 20% --valid 20%): fit -> valid, the cut the
# defaults were chosen on, then train -> test; an ig-synth world with
# items, follows and topics (the last 20% of the time held out, so that
# items posted then are cold): train -> test; world: the same on another
# world (seed 2), the validation world the defaults were chosen on.
# Both trainers get the same settings: ig-train-tower's defaults, read from
# its help; THREADS (2) threads for both; and the same early stopping:
# each holds out each user's last engagement (of at most 1000 users, the
# same ones), scores every epoch by their recall@100 and stops --patience
# epochs after the best, keeping it, of at most --epochs (ig-train-tower's
# defaults; bench/tower_ref.py --patience does as lib/tower does).
# TORCH_PATIENCE=N gives PyTorch another patience; TORCH_PATIENCE=0 trains
# it a fixed TORCH_EPOCHS (10, the fixed count both trained before early
# stopping), on every engagement, as this bench did before.
# EPOCHS=N gives both --epochs N without early stopping (--patience 0;
# PyTorch TORCH_EPOCHS and TORCH_PATIENCE if set). Everything runs under
# nice -n 5.
# Neither takes the items a user engaged with before an example by more
# than a view as its negatives (ig-train-tower's default;
# bench/tower_ref.py does as lib/tower does); SEEN_NEGATIVES=1 gives both
# --seen-negatives, the in-batch negatives of before, and
# TORCH_SEEN_NEGATIVES=1 PyTorch alone.
# OURS='OPTIONS' gives ig-train-tower alone further options (e.g.
# OURS='--average 0').
# PyTorch's parameters are not averaged (bench/tower_ref.py --average 0,
# the anchor as measured) unless TORCH_AVERAGE=X gives it --average X.
# TORCH=0 leaves PyTorch out. SEED (1) is both trainers' --seed.
# Over seeds, ours against PyTorch paired (bench/paired.awk), from one
# cut's outputs a seed kept as s1.log, s2.log, ...:
#   awk '$1 == "ig-train-tower" && NF == 5 { a = $2 }
#	$1 == "PyTorch" && NF == 6 { print FILENAME, a, $3 }' s*.log |
#	awk -f bench/paired.awk
# Needs the binaries in bin/, ../shared/data/movielens-100k and
# python3-torch (Debian).
set -eu
cuts=${*:-valid test synth}
threads=${THREADS:-2}
seed=${SEED:-1}
torch=${TORCH:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$root/../shared/data/movielens-100k/u.data.gz}
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tower.XXXXXX")}
PATH=$root/bin:$PATH
py=/usr/bin/python3
for c in $cuts; do
	case $c in
	valid | world | test | synth) ;;
	*) echo "usage: tower.sh [valid] [world] [test] [synth]" >&2; exit 2 ;;
	esac
done
[ "$torch" = 0 ] || $py -c 'import torch' 2>/dev/null || { echo "tower.sh: needs python3-torch (apt-get install python3-torch)" >&2; exit 1; }

# the tool's default of option OPT, from its help: the first [...] of the
# option's lines
default() {
	ig-train-tower -h | awk -v o="--$1" '
		$1 == o && ($2 ~ /^[NXP]$/) { on = 1 }
		on && /\[[^]]*\]/ { sub(/.*\[/, ""); sub(/\].*/, ""); print; exit }
		on && $1 != o && $1 ~ /^-/ { exit }'
}
ours=${OURS:-}
if [ -n "${EPOCHS:-}" ]; then
	ours="$ours --epochs $EPOCHS --patience 0"
	torch_patience=${TORCH_PATIENCE:-0}
else
	torch_patience=${TORCH_PATIENCE:-$(default patience)}
fi
if [ "$torch_patience" = 0 ]; then
	torch_epochs=${TORCH_EPOCHS:-${EPOCHS:-10}}
else
	torch_epochs=${TORCH_EPOCHS:-${EPOCHS:-$(default epochs)}}
fi
[ -n "$torch_patience" ] && [ -n "$torch_epochs" ] || { echo "tower.sh: no default for --patience or --epochs in ig-train-tower -h" >&2; exit 1; }
shared=
for o in dim emb hidden short long max-follows batch lr temperature id-dropout; do
	v=$(default "$o")
	[ -n "$v" ] || { echo "tower.sh: no default for --$o in ig-train-tower -h" >&2; exit 1; }
	shared="$shared --$o $v"
done
[ "${SEEN_NEGATIVES:-0}" = 0 ] || shared="$shared --seen-negatives"
shared=${shared# }
torch_seen=
[ "${TORCH_SEEN_NEGATIVES:-${SEEN_NEGATIVES:-0}}" = 0 ] || case " $shared " in
*" --seen-negatives "*) ;;
*) torch_seen=--seen-negatives ;;
esac

cd "$work"
[ -f ml.test.tsv.gz ] || {
	ig-ingest -q -p ml-100k -o ml.events.tsv.gz "$data"
	ig-eval split -q --holdout 20% --valid 20% --positives view,like,see_less -o ml ml.events.tsv.gz
}
[ -f sy.test.tsv.gz ] || {
	ig-synth -q --users 1000 --items 3000 --days 7 --seed 3 -o w
	ig-eval split -q --at-fraction 0.8 --valid-fraction 0.2 -o sy w/events.tsv.gz
}
case " $cuts " in
*" world "*) [ -f v2.test.tsv.gz ] || {
	ig-synth -q --users 1000 --items 3000 --days 7 --seed 2 -o w2
	ig-eval split -q --at-fraction 0.8 -o v2 w2/events.tsv.gz
} ;;
esac
ours_run=${EPOCHS:+--epochs $EPOCHS --patience 0}
echo "settings of both trainers: $shared, $threads threads;" \
	"epochs: ig-train-tower ${ours_run:-its defaults, early stopping}${OURS:+, and $OURS}," \
	"PyTorch --epochs $torch_epochs --patience $torch_patience${torch_seen:+ $torch_seen} --average ${TORCH_AVERAGE:-0}"
summary=summary.$$.txt

# recall@K of list $1 against TRUTH, history HIST
recall() {
	ig-eval metrics -q -t "$truth" --train "$hist" --positives "$pos" -k 100 --bootstrap 0 --tsv -u "$1" |
		awk -F'\t' '$1 == "recall" { print $3 }'
}

# NAME TAG HIST TRUTH POSITIVES SIDE: one cut, three systems
run() {
	name=$1 tag=$2 hist=$3 truth=$4 pos=$5 side=$6
	/usr/bin/time -f '%U %S %e' -o "$tag.c.time" nice -n 5 ig-train-tower -@ "$threads" --seed "$seed" $shared $ours $side -o "$tag.c" "$hist" 2>"$tag.c.log"
	ig-retrieve -q --vectors "$tag.c.items.vec" --user-vectors "$tag.c.users.vec" -n 100 -S 'tower(100)' -o "$tag.c.tsv.gz" "$hist"
	lists="$tag.c.tsv.gz $tag.k.tsv.gz"
	if [ "$torch" != 0 ]; then
		lists="$lists $tag.t.tsv.gz"
		/usr/bin/time -f '%U %S %e' -o "$tag.t.time" nice -n 5 $py "$root/bench/tower_ref.py" --threads "$threads" --seed "$seed" \
			$shared $torch_seen --average "${TORCH_AVERAGE:-0}" --epochs "$torch_epochs" --patience "$torch_patience" $side -o "$tag.t" "$hist" >"$tag.t.log"
		ig-retrieve -q --vectors "$tag.t.items.vec" --user-vectors "$tag.t.users.vec" -n 100 -S 'tower(100)' \
			-o "$tag.t.tsv.gz" "$hist"
	fi
	nice -n 5 ig-train-w2v -q --item2vec --min-count 1 --seed 1 -@ "$threads" -o "$tag.w.vec.gz" "$hist"
	ig-retrieve -q --vectors "$tag.w.vec.gz" -n 100 -S 'knn(user,100)' -o "$tag.k.tsv.gz" "$hist"
	cpu_c=$(awk '{ print $1 + $2 }' "$tag.c.time")
	$py "$root/bench/tower_cold.py" "$hist" "$truth" "$pos" 100 $lists >"$tag.cold"
	cold() { awk -v f="$1" '$1 == f { print ($2 > 0 ? $3 : "-") }' "$tag.cold"; }
	{
		echo "== $name"
		printf '%-26s %10s %9s %12s %8s\n' system recall@100 cold@100 "train CPU s" "wall s"
		printf '%-26s %10s %9s %12s %8s\n' "ig-train-tower" "$(recall "$tag.c.tsv.gz")" "$(cold "$tag.c.tsv.gz")" \
			"$cpu_c" "$(awk '{ print $3 }' "$tag.c.time")"
		if [ "$torch" != 0 ]; then
			cpu_t=$(awk '{ print $1 + $2 }' "$tag.t.time")
			printf '%-26s %10s %9s %12s %8s\n' "PyTorch $(sed -n 's/^torch \([^:]*\):.*/\1/p' "$tag.t.log")" \
				"$(recall "$tag.t.tsv.gz")" "$(cold "$tag.t.tsv.gz")" "$cpu_t" "$(awk '{ print $3 }' "$tag.t.time")"
		fi
		printf '%-26s %10s %9s\n' "ig2vec + knn(user,100)" "$(recall "$tag.k.tsv.gz")" "$(cold "$tag.k.tsv.gz")"
		[ "$torch" = 0 ] ||
			echo "CPU time ratio PyTorch / ig-train-tower: $(awk -v a="$cpu_t" -v b="$cpu_c" 'BEGIN { printf "%.1f", a / b }')"
		echo "ig-train-tower: $(sed -n 's/.*examples, \([0-9]* epochs[^,]*\),.*/\1/p' "$tag.c.log")"
		[ "$torch" = 0 ] || echo "PyTorch: $(sed -n 's/^\([0-9]* epochs\)/\1/p' "$tag.t.log" | tail -n 1 | grep . ||
			echo "$torch_epochs epochs")"
		echo "cold users (with a relevant item new in the held-out period): $(awk 'NR == 2 { print $2 }' "$tag.cold")"
	} | tee -a "$summary"
}
for c in $cuts; do
	case $c in
	valid) run "MovieLens 100K, events alone: fit -> valid" mlv ml.fit.tsv.gz ml.valid.tsv.gz view,like,see_less "" ;;
	test) run "MovieLens 100K, events alone: train -> test" mlt ml.train.tsv.gz ml.test.tsv.gz view,like,see_less "" ;;
	world) run "validation world (ig-synth seed 2), with items, follows, topics: train -> test" v2t v2.train.tsv.gz \
		v2.test.tsv.gz like,comment,save,share "--items w2/items.tsv.gz --follows w2/follows.tsv.gz --topics w2/topics.tsv.gz" ;;
	synth) run "ig-synth world, with items, follows, topics: train -> test" syt sy.train.tsv.gz sy.test.tsv.gz \
		like,comment,save,share "--items w/items.tsv.gz --follows w/follows.tsv.gz --topics w/topics.tsv.gz" ;;
	esac
done
echo "work files ($summary) in $work"
