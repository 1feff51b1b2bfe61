#!/bin/bash
# Label efficiency of pretrained tiny encoders (EXPERIMENTS.md, "Few labels"): fine-tune each starting point on
# 1,000 / 4,000 / 16,000 random NSMC train rows (three seeds, two learning rates) and on the checkpoint variants of
# mix_checkpoint.py. Run from the repository root after the 33M-token pretraining runs of "A longer ELECTRA run".
# Two 1-thread runs at a time; about 45 minutes on two cores. Then: python3 docs/experiments/label_table.py runs/low
set -u
RC=${RC:-./raccoon}; PY=${PY:-python3}; D=${D:-../shared/data/nsmc}; OUT=runs/low
MLM=runs/pre/mlm-tiny/mlm; ELECTRA=runs/pre/electra-tiny/discriminator; V=runs/vocab-reviews-32k-a4000
mkdir -p $OUT/mix
for s in 1 2 3; do for n in 1000 4000 16000; do
  $PY -c 'import random, sys
n, seed, src, dst = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(src, encoding="utf-8").read().splitlines()
body = lines[1:]; random.Random(seed).shuffle(body)
open(dst, "w", encoding="utf-8").write("\n".join([lines[0]] + body[:n]) + "\n")' $n $s $D/train.tsv $OUT/train-$n-s$s.tsv
done; done
for src in mlm:$MLM electra:$ELECTRA; do name=${src%%:*}; dir=${src#*:}
  for mode in keep-embeddings keep-encoder "remove-top 0" "remove-top 3"; do
    m=${mode/remove-top 0/centered}; m=${m/remove-top 3/abtt3}
    $PY docs/experiments/mix_checkpoint.py $dir $OUT/mix/$name-$m $mode
  done
done
job() { # start n seed lr; start: scratch, mlm, electra, or a folder name under $OUT/mix
  local start=$1 n=$2 s=$3 lr=$4 out=$OUT/$1-$2-s$3-lr$4 m
  case $start in
    scratch) m="--config tiny --vocab $V";; mlm) m="--model $MLM";; electra) m="--model $ELECTRA";; *) m="--model $OUT/mix/$start";;
  esac
  [ -f $out/DONE ] || { $RC train $m --train $OUT/train-$n-s$s.tsv --dev $D/dev.tsv --out $out --epochs 10 --batch-size 32 \
    --lr $lr --max-length 64 --seed $s --threads 1 --no-progress > $out.txt 2>&1 && touch $out/DONE; }
}
export -f job; export RC D OUT MLM ELECTRA V
{
  for n in 1000 4000 16000; do for s in 1 2 3; do for lr in 5e-4 2e-4; do for start in scratch mlm electra; do
    echo "$start $n $s $lr"; done; done; done; done
  for n in 1000 4000; do for s in 1 2 3; do for name in mlm electra; do for m in keep-embeddings keep-encoder centered abtt3; do
    echo "$name-$m $n $s 5e-4"; done; done; done; done
} | xargs -P 2 -L 1 bash -c 'job $0 $1 $2 $3'
