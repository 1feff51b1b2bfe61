"""NSMC train plus a class-balanced part of NSMC extra (all its negatives, as many of its positives drawn at random),
shuffled: the training file of the shipped binary model. Usage: python3 balance_extra.py SHARED_NSMC_DIR OUT.tsv"""
import random
import sys

nsmc, out = sys.argv[1], sys.argv[2]
random.seed(42)
train = open(f'{nsmc}/train.tsv', encoding='utf-8').readlines()
extra = open(f'{nsmc}/extra.tsv', encoding='utf-8').readlines()[1:]
negative = [r for r in extra if r.rstrip('\n').split('\t')[-1] == '0']
positive = [r for r in extra if r.rstrip('\n').split('\t')[-1] == '1']
rows = train[1:] + negative + random.sample(positive, len(negative))
random.shuffle(rows)
with open(out, 'w', encoding='utf-8') as f:
    f.writelines([train[0]] + rows)
print(f'{len(rows)} rows: train {len(train) - 1}, extra {len(negative)} negative + {len(negative)} positive')
