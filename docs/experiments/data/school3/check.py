import csv, yaml, collections, re, os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
faq = yaml.safe_load(open("faq.yaml", encoding="utf-8"))
E = {e["id"]: e for e in faq["entries"]}
assert 36 <= len(E) <= 42 and len(E) == len(faq["entries"])
for e in faq["entries"]:
    assert e["topic"] in {"payment","course","profile","career","general"}, e["id"]
    assert 2 <= len(e["alt_questions"]) <= 4, e["id"]
rows = list(csv.DictReader(open("texts.csv", encoding="utf-8", newline="")))
assert list(rows[0].keys()) == ["text","topic","needs_human","lang","faq_id"]
n = len(rows); print("rows", n, "faq entries", len(E))
for k in ["topic","needs_human","lang"]:
    c = collections.Counter(r[k] for r in rows)
    print(k, {a: f"{b} ({b/n:.1%})" for a, b in sorted(c.items())})
print("needs_human by topic", sorted(collections.Counter((r["topic"], r["needs_human"]) for r in rows).items()))
errs = []
for i, r in enumerate(rows):
    if r["faq_id"] and r["faq_id"] not in E: errs.append((i, "bad faq_id", r["faq_id"]))
    if r["topic"] == "offtopic" and (r["faq_id"] or r["needs_human"] != "0"): errs.append((i, "offtopic rule"))
    if r["topic"] != "offtopic" and r["needs_human"] == "0" and not r["faq_id"]: errs.append((i, "missing faq_id"))
    if r["lang"] not in {"ru","en","mixed","none"} or r["needs_human"] not in {"0","1"}: errs.append((i, "bad value"))
dups = [t for t, c in collections.Counter(r["text"] for r in rows).items() if c > 1]
print("errors", errs, "duplicates", dups)
print("faq_id used:", len({r['faq_id'] for r in rows if r['faq_id']}), "unused:", set(E) - {r['faq_id'] for r in rows})
# lexical overlap of answerable messages with their entry's question (4-char stems, words >=4 letters)
stem = lambda s: {w[:4] for w in re.findall(r"[a-zа-яё0-9]+", s.lower()) if len(w) >= 4}
ans = [r for r in rows if r["topic"] != "offtopic" and r["needs_human"] == "0"]
low = [r for r in ans if len(stem(r["text"]) & stem(E[r["faq_id"]]["question"])) == 0]
print(f"answerable {len(ans)}, zero content-word overlap with FAQ question: {len(low)} ({len(low)/len(ans):.0%})")
L = [len(r["text"].split()) for r in rows]; print("words min/max/mean", min(L), max(L), round(sum(L)/n, 1))
assert not errs and not dups
