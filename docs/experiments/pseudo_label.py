"""Self-training data for the binary model: the review corpus's lines that are in none of NSMC train, dev or extra,
labelled by a teacher model, kept where the teacher is confident, balanced between the classes, and appended to a
training file.

    python3 pseudo_label.py unlabelled SHARED_DIR OUT_unlabelled.tsv
        writes the unlabelled reviews (id, document) for `raccoon score`
    python3 pseudo_label.py select SCORED.tsv MIN_PROBABILITY TRAIN.tsv OUT.tsv
        appends the confident, class-balanced pseudo-labelled rows (label 0 negative, 1 positive) to TRAIN.tsv
"""
import gzip
import random
import sys


def texts(path):
    with open(path, encoding='utf-8') as f:
        next(f)
        return {parts[1] for parts in (line.rstrip('\n').split('\t') for line in f) if len(parts) == 3}


def unlabelled(shared, out):
    nsmc = f'{shared}/data/nsmc'
    # Dev texts stay out so that dev accuracy still measures unseen text.
    known = texts(f'{nsmc}/train.tsv') | texts(f'{nsmc}/dev.tsv') | texts(f'{nsmc}/extra.tsv')
    seen = set()
    with open(out, 'w', encoding='utf-8') as f:
        f.write('id\tdocument\n')
        for line in gzip.open(f'{shared}/data/corpus/reviews.txt.gz', 'rt', encoding='utf-8'):
            text = line.rstrip('\n')
            if not text.strip() or '\t' in text or text in known or text in seen:
                continue
            seen.add(text)
            f.write(f'u{len(seen)}\t{text}\n')
    print(f'{len(seen)} unlabelled reviews')


def select(scored, min_probability, train, out):
    by_label = {'negative': [], 'positive': []}
    with open(scored, encoding='utf-8') as f:
        header = f.readline().rstrip('\n').split('\t')
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            row = line.rstrip('\n').split('\t')
            if row[col['error']] == '' and float(row[col['probability']]) >= min_probability:
                by_label[row[col['label']]].append((row[col['id']], row[col['document']]))
    random.seed(42)
    n = min(len(rows) for rows in by_label.values())
    picked = [(i, t, '0') for i, t in random.sample(by_label['negative'], n)]
    picked += [(i, t, '1') for i, t in random.sample(by_label['positive'], n)]
    lines = open(train, encoding='utf-8').readlines()
    rows = lines[1:] + [f'{i}\t{t}\t{label}\n' for i, t, label in picked]
    random.shuffle(rows)
    with open(out, 'w', encoding='utf-8') as f:
        f.writelines([lines[0]] + rows)
    print(f'{len(rows)} rows: {len(lines) - 1} from {train}, {n} + {n} pseudo-labelled '
          f'(of {len(by_label["negative"])} negative, {len(by_label["positive"])} positive at p >= {min_probability})')


if __name__ == '__main__':
    if sys.argv[1] == 'unlabelled':
        unlabelled(sys.argv[2], sys.argv[3])
    else:
        select(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
