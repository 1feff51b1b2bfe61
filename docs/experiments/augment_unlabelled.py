"""Noisy copies of the unlabelled reviews, for distillation: the teachers label each copy themselves, so the student
learns to match them on more (and harder) inputs than the corpus holds ("consistent teaching").

    python3 augment_unlabelled.py CORPUS.txt.gz COPIES OUT.txt.gz DEV.tsv [DEV.tsv ...]

Each copy applies one transformation, drawn at random: spaces dropped or added (reviewers space Korean loosely),
characters deleted, a contiguous crop, two neighbouring words swapped, or the review joined to another one.
Lines equal to a dev text (after NFC and whitespace normalisation, as `raccoon distill` compares them) are left out
before anything is derived from them, so no copy of a dev review reaches the student.
"""
import gzip
import random
import sys
import unicodedata


def normalise(text):
    return ' '.join(unicodedata.normalize('NFC', text).split())


def dev_texts(paths):
    texts = set()
    for path in paths:
        with open(path, encoding='utf-8') as f:
            next(f)
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) >= 2:
                    texts.add(normalise(parts[1]))
    return texts


def drop_spaces(text, rng):
    return ''.join(c for c in text if c != ' ' or rng.random() < 0.5)


def add_spaces(text, rng):
    return ''.join(c + ' ' if c != ' ' and rng.random() < 0.15 else c for c in text)


def delete_characters(text, rng):
    kept = ''.join(c for c in text if rng.random() >= 0.1)
    return kept or text


def crop(text, rng):
    length = max(1, round(len(text) * rng.uniform(0.4, 0.9)))
    start = rng.randrange(len(text) - length + 1)
    return text[start:start + length]


def swap_words(text, rng):
    words = text.split(' ')
    if len(words) < 2:
        return text  # nothing to swap; main() drops a copy equal to its review
    i = rng.randrange(len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]
    return ' '.join(words)


TRANSFORMS = [drop_spaces, add_spaces, delete_characters, crop, swap_words]


def main(corpus, copies, out, dev_paths):
    rng = random.Random(42)
    dev = dev_texts(dev_paths)
    lines = []
    seen = set()
    with gzip.open(corpus, 'rt', encoding='utf-8') as f:
        for line in f:
            text = normalise(line)
            if text and text not in dev and text not in seen:
                seen.add(text)
                lines.append(text)
    written = 0
    with gzip.open(out, 'wt', encoding='utf-8') as f:
        for text in lines:
            for _ in range(copies):
                if rng.random() < 1 / (len(TRANSFORMS) + 1):
                    copy = text + ' ' + lines[rng.randrange(len(lines))]
                else:
                    copy = rng.choice(TRANSFORMS)(text, rng)
                copy = normalise(copy)
                if copy and copy != text and copy not in dev:
                    f.write(copy + '\n')
                    written += 1
    print(f'{len(lines)} distinct non-dev lines, {written} copies written to {out}')


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:])
