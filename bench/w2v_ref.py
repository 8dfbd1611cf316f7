#!/usr/bin/python3
"""Helpers for bench/w2v.sh.

  w2v_ref.py gensim MODE CORPUS OUT.bin THREADS [SEED]
                                                  train gensim (MODE corpus_file
                                                  or iterable), print seconds
  w2v_ref.py eval QUESTIONS FILE...               3CosAdd analogy accuracy of
                                                  each vectors file (text or
                                                  binary, sniffed like ours)
"""
import sys
import time


def train_gensim(mode, corpus, out, threads, seed="1"):
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    params = dict(vector_size=100, window=5, negative=5, sample=1e-3, epochs=5,
                  min_count=5, sg=1, workers=int(threads), seed=int(seed))
    t0 = time.time()
    if mode == "corpus_file":
        model = Word2Vec(corpus_file=corpus, **params)
    else:
        model = Word2Vec(sentences=LineSentence(corpus), **params)
    model.wv.save_word2vec_format(out, binary=True)
    print("%.3f" % (time.time() - t0))


def is_binary(path):
    with open(path, "rb") as f:
        f.readline()
        head = f.read(400)
    word, _, rest = head.partition(b" ")
    return any(c not in b"0123456789.-+eE \n\r\t" for c in rest[:200])


def evaluate(questions, paths):
    from gensim.models import KeyedVectors
    for p in paths:
        kv = KeyedVectors.load_word2vec_format(p, binary=is_binary(p))
        score, _ = kv.evaluate_word_analogies(questions, restrict_vocab=30000)
        print("%s\t%d\t%.4f" % (p, len(kv.index_to_key), score))


if __name__ == "__main__":
    if sys.argv[1] == "gensim":
        train_gensim(*sys.argv[2:8])
    elif sys.argv[1] == "eval":
        evaluate(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
