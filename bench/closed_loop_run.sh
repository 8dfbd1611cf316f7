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
