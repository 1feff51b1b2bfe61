#!/bin/bash
# ELECTRA vs MLM at equal pretraining FLOPs, tiny configs on the CPU; each encoder fine-tuned on the first 4,000
# NSMC train rows and evaluated on all of NSMC dev. Run from /work/main/runs.
set -u
V=/work/main/raccoon-model/src/test/resources/oracle/electra-classifier
C=/work/shared/data/corpus/reviews.txt.gz
B1=1.71e12   # = 200 ELECTRA steps of 16 × 128 tokens with the tiny config and this 32k vocabulary
pre() { # name objective flops lr
  [ -d exp/$1/checkpoint-* ] 2>/dev/null || nice ./rc pretrain --objective $2 --config tiny --corpus $C --vocab $V --out exp/$1 \
      --flops $3 --batch-size 16 --lr $4 --save-every 100000 --no-progress > exp/$1.pretrain.txt 2>&1
}
ft() { # name model-args...
  local n=$1; shift
  nice ./rc train "$@" --train nsmc_train4k.tsv --dev /work/shared/data/nsmc/dev.tsv --out exp/$n.ft --epochs 2 \
      --batch-size 32 --lr 3e-4 --max-length 64 --seed 42 --no-progress > exp/$n.ft.txt 2>&1
}
mkdir -p exp
# The first attempt used lr 1e-3: its discriminator stayed at the base rate (kept as exp/electra_b1_lr1e-3).
while pgrep -f "out exp/electra_b1 " > /dev/null; do sleep 5; done
[ -d exp/electra_b1_lr1e-3 ] || mv exp/electra_b1 exp/electra_b1_lr1e-3
[ -f exp/scratch.ft/train_log.jsonl ] || ft scratch --config tiny --vocab $V
for b in 1 2; do
  F=$(python3 -c "print($B1*$b)")
  pre electra_b$b electra $F 5e-4; ft electra_b$b --model exp/electra_b$b/discriminator
  pre mlm_b$b mlm $F 5e-4;         ft mlm_b$b --model exp/mlm_b$b/mlm
done
echo done > exp/DONE
