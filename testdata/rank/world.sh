# Sourced by the ig-rank CLI tests: a small ig-synth world cut in time,
# with itemknn candidates for the later half reshaped into candidates/1
# with a per-source column, in ./w.
ig-synth -q --users 40 --items 300 --days 4 --seed 7 -o w
ig-eval split -q --at-fraction 0.5 --test-all -o w/s w/events.tsv.gz
ig-cooccur -q -k 20 -o w/nbrs.tsv.gz w/s.train.tsv.gz
ig-eval baseline itemknn -q -u -n 30 --train w/s.train.tsv.gz --users w/s.test.tsv.gz |
	awk 'BEGIN { FS = OFS = "\t" }
	     /^#ig:/ { print $0, "reason", "s_itemknn"; next }
	     /^##/ { print; next }
	     { print $0, "-", $4 }' >w/cand.tsv
