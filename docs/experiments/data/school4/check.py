import csv, yaml, collections, re, pathlib
D=str(pathlib.Path(__file__).parent)+'/'
faq=yaml.safe_load(open(D+'faq.yaml', encoding='utf-8'))
ids={e['id'] for e in faq['entries']}
assert len(ids)==len(faq['entries'])
for e in faq['entries']:
    assert set(e)=={'id','topic','question','alt_questions','answer'}, e['id']
    assert e['topic'] in {'payment','course','profile','career','general'}
    assert 2<=len(e['alt_questions'])<=4
rows=list(csv.DictReader(open(D+'texts.csv', encoding='utf-8')))
assert list(rows[0].keys())==['text','topic','needs_human','lang','faq_id']
n=len(rows); print('rows',n,'faq entries',len(ids))
for k in ['topic','needs_human','lang']:
    c=collections.Counter(r[k] for r in rows); print(k, {a:(b, round(100*b/n,1)) for a,b in sorted(c.items())})
print('topic x nh', sorted(collections.Counter((r['topic'],r['needs_human']) for r in rows).items()))
texts=collections.Counter(r['text'] for r in rows); assert max(texts.values())==1, [t for t,c in texts.items() if c>1]
used=collections.Counter()
for r in rows:
    assert r['topic'] in {'payment','course','profile','career','general','offtopic'}
    assert r['needs_human'] in {'0','1'} and r['lang'] in {'ru','en','mixed','none'}
    if r['faq_id']: assert r['faq_id'] in ids, r; used[r['faq_id']]+=1
    if r['topic']=='offtopic': assert r['needs_human']=='0' and not r['faq_id'], r
    elif r['needs_human']=='0': assert r['faq_id'], r
print('faq ids never used:', ids-set(used))
# lexical overlap of answerable messages with their FAQ question (question + alt_questions)
tok=lambda s:{w for w in re.findall(r'[а-яёa-z0-9]+', s.lower()) if len(w)>3}
stem=lambda ws:{w[:5] for w in ws}
E={e['id']:e for e in faq['entries']}
ans=[r for r in rows if r['needs_human']=='0' and r['faq_id']]
low=0
for r in ans:
    q=stem(tok(E[r['faq_id']]['question']))
    if len(stem(tok(r['text'])) & q)==0: low+=1
print(f'answerable {len(ans)}, sharing no 5-char stem with main FAQ question: {low} ({100*low/len(ans):.0f}%)')
L=[len(r['text'].split()) for r in rows]; print('words min/max', min(L), max(L))
