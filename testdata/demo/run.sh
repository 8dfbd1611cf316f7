#!/bin/sh
# `make demo`: the funnel as it stands, on the shipped example.
#  1. ig-ingest turns the hand-made raw logs in testdata/demo/ into streams.
#  2. ig-synth makes a small synthetic world with known answers.
#  3. ig-eval splits its events by time; ig-train-w2v and ig-cooccur learn
#     item similarity from the train part; ig-eval scores the baselines.
#  4. ig-funnel runs the whole funnel (retrieve, two ranking stages,
#     diversify) on the train part and writes a feed per test user; ig-eval
#     measures how much of each user's test positives survive each stage.
# Everything lands in demo-out/; each step is one shell line to copy.
set -eu
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
demo=$root/testdata/demo
out=$root/demo-out
PATH=$bin:$PATH
export PATH
rm -rf "$out"
mkdir -p "$out/logs"
cd "$out"
say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. ingest raw logs (CSV, ISO-8601 times, string actions)"
run ig-ingest -k events -H -c user=user_id,item=post_id,event=action,ts=time,value=dwell_ms \
	-o logs/events.tsv.gz "$demo/raw_events.csv"
run ig-ingest -k items -H -c item=post_id,author=creator,media=media,created=posted_at,topics=topics \
	-o logs/items.tsv.gz "$demo/raw_items.csv"
run ig-ingest -k follows -H -c user=follower,author=followee,ts=since \
	-o logs/follows.tsv.gz "$demo/raw_follows.csv"
zcat logs/events.tsv.gz | head -6

say "2. a synthetic world: 1000 users, 3000 items, 7 days"
run ig-synth --users 1000 --items 3000 --days 7 --seed 1 -o world

say "3. split by time: the last 20% of events are test"
run ig-eval split --at-fraction 0.8 -o split world/events.tsv.gz

say "4. ig2vec item embeddings and co-occurrence neighbours from train"
run ig-train-w2v --item2vec --dim 32 --epochs 5 --min-count 3 -o items.vec.gz split.train.tsv.gz
run ig-cooccur --window session:1800 -s cosine -k 20 -o neighbors.tsv.gz split.train.tsv.gz
item=$(zcat neighbors.tsv.gz | awk -F'\t' '!/^#/ {print $1; exit}')
echo "nearest items of $item by embedding and by co-occurrence, with their topics:"
echo "\$ ig-train-w2v --load items.vec.gz --nearest $item -k 5"
ig-train-w2v --load items.vec.gz --nearest "$item" -k 5 -u -q | grep -v '^#' >nn.w2v.tsv
zcat neighbors.tsv.gz | awk -F'\t' -v i="$item" '$1 == i' | head -5 >nn.cooccur.tsv
zcat world/items.tsv.gz | awk -F'\t' 'NR == FNR { if (!/^#/) t[$1] = $5; next }
	{ printf "  %-10s %-9s %-10s %s\n", FILENAME ~ /w2v/ ? "w2v" : "cooccur", $1, $2, t[$2] }' - nn.w2v.tsv nn.cooccur.tsv
printf "  (%s has topics %s)\n" "$item" "$(zcat world/items.tsv.gz | awk -F'\t' -v i="$item" '$1 == i {print $5}')"

say "5. baselines every later stage must beat, scored on test"
run ig-eval baseline pop --train split.train.tsv.gz --users split.test.tsv.gz -o pop.tsv.gz
run ig-eval baseline itemknn --train split.train.tsv.gz --users split.test.tsv.gz -o itemknn.tsv.gz
for sys in pop itemknn; do
	ig-eval metrics -q -t split.test.tsv.gz --train split.train.tsv.gz -k 10,50 --bootstrap 200 \
		--by-user="$sys.users.tsv.gz" -o "$sys.metrics.tsv" -u "$sys.tsv.gz"
	printf '%-8s' "$sys"
	awk -F'\t' '$1 == "recall" || $1 == "ndcg" || $1 == "hitrate" { printf "  %s@%s=%.4f", $1, $2, $3 } END { print "" }' "$sys.metrics.tsv"
done
run ig-eval compare --table pop.users.tsv.gz itemknn.users.tsv.gz | head -12

say "6. the whole funnel: models on train, a feed of 25 for every test user"
# (--keep-intermediate: step 7 measures the candidates and ranked streams)
run ig-funnel -@ 2 --keep-intermediate --items world/items.tsv.gz --follows world/follows.tsv.gz \
	--topics world/topics.tsv.gz split.train.tsv.gz split.test.tsv.gz funnel

say "7. the funnel, stage by stage: items per user, cost, and recall of the test positives"
printf '%-13s %8s %8s %8s %9s %9s %9s\n' stage items/user real_s peak_mb recall@all recall@20 ndcg@20
metric() { awk -F'\t' -v m="$1" -v k="$2" '$1 == m && $2 == k { printf "%.4f", $3 }' "$3"; }
for st in retrieve:candidates 'rank first:ranked1' 'rank second:ranked' diversify:feed itemknn:itemknn; do
	name=${st%%:*} f=${st#*:}
	path=funnel/$f.tsv.gz
	[ "$f" = itemknn ] && path=itemknn.tsv.gz
	ig-eval metrics -q -t split.test.tsv.gz --train split.train.tsv.gz -k 20,1000 -o "$f.funnel.tsv" -u "$path"
	row=$(awk -F'\t' -v s="$name" '$1 == s { print $2 "\t" $4 "\t" $6 }' funnel/summary.tsv)
	[ -n "$row" ] || row="-	-	-"
	printf '%-13s %8s %8s %8s %9s %9s %9s\n' "$name" $(printf '%s' "$row" | tr '\t' ' ') \
		"$(metric recall 1000 "$f.funnel.tsv")" "$(metric recall 20 "$f.funnel.tsv")" \
		"$(metric ndcg 20 "$f.funnel.tsv")"
done
echo "a feed, with the reason each item is there:"
zcat funnel/feed.tsv.gz | grep -v '^#' | head -8

say "done: every file is in $out"
