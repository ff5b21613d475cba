"""How school_messages.csv (beside this file) was made: the two writers' parts concatenated, deduplicated, and
18 topics relabelled by three written rules to the development school's conventions (docs/experiments/topics7.md).
A record, not a tool: the parts themselves are not kept; the CSV is this script's output."""
import csv, re, sys, collections
src = ['/work/wt/nh8data/part1.csv', '/work/wt/nh8data/part2.csv']
rows, seen = [], set()
for p in src:
    for r in csv.DictReader(open(p, encoding='utf-8')):
        k = r['text'].strip()
        if k in seen: continue
        seen.add(k); rows.append(r)
DOC = r'сертификат|диплом|удостоверени|certificate'
REFUND = r'возврат|вернуть деньги|верните деньги|вернёте деньги|вернете деньги|хочу вернуть|refund|money back'
NOT_ISSUED = r'не выда|так и не|не могу получить|обещают выслать|не получил'
changes = collections.Counter()
for r in rows:
    t, old = r['text'].lower(), r['topic']
    new = old
    # R1 (dev: refund demands, even angry/legal ones, are payment; job-guarantee refunds stay career)
    if old == 'general' and re.search(REFUND, t):
        new = 'payment'
    # R2 (dev: "сертификат так и не выдан" is course; what document/licence you give is general)
    elif old in ('general', 'career') and re.search(DOC, t) and re.search(NOT_ISSUED, t) and 'подарочн' not in t:
        new = 'course'
    # R3 (topics.yaml: "оплатил, а доступ к курсу не открылся" is payment)
    elif old == 'general' and re.search(r'оплатил', t) and re.search(r'доступ', t):
        new = 'payment'
    if new != old:
        changes[(old, new)] += 1
        print(f'{old}->{new} | {r["text"][:100]}', file=sys.stderr)
        r['topic'] = new
out = sys.argv[1]
with open(out, 'w', encoding='utf-8', newline='') as fh:
    w = csv.DictWriter(fh, fieldnames=['text', 'needs_human', 'school_kind', 'topic', 'lang'])
    w.writeheader()
    for r in rows: w.writerow({k: r[k] for k in w.fieldnames})
print(len(rows), dict(changes), collections.Counter(r['topic'] for r in rows))
