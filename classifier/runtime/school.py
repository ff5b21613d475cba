"""The school's identity as data: its name, site, merchant names and domains, and whether a screenshot names them.

A payment, login or course screen that names the school (its brand, its site, the merchant name on a bank
SMS) is evidence that the problem is the school's; a screen that names another site and not the school is
evidence that it is somebody else's. Nothing here knows any particular school: a deployment fills a
:class:`SchoolProfile` from its own configuration (``faq.yaml``'s ``school`` and ``site``, the desk's
school profile in the admin) and the label set carries it (``LabelSet.school``).

OCR reads brand names badly (``kodarium`` → ``ikkodarium``, ``kkkodarium``; Cyrillic capitals read as Latin
look-alikes, ``КОДАРИУМ`` → ``kopapuym``), so names are matched fuzzily on a *skeleton*: lower case, Cyrillic
letters folded onto their Latin look-alikes, everything but letters and digits dropped; each name is also
tried in Latin transliteration (a bank SMS writes the merchant in Latin capitals). rapidfuzz's
``partial_ratio`` finds the best-aligned substring; a name of 8 letters with one wrong letter scores 0.875.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

# Cyrillic letters that OCR confuses with a Latin look-alike (and that are drawn alike in most fonts).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "й": "u", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ч": "4", "г": "r",
})
# Russian → Latin (how banks and domains spell a Russian brand).
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
# A host name as OCR leaves it in an address bar, an e-mail or a link: labels of letters/digits/hyphens, a dot,
# a top-level label of 2-12 Latin letters (or .рф), not followed by another letter.
DOMAIN_RE = re.compile(r"(?<![\w.@-])((?:[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?\.){1,4}([a-z]{2,12}|рф))(?![\w@-])",
                       re.IGNORECASE)
# Top-level labels: any two-letter country code except those that are common file extensions (task.py,
# readme.md, app.js); longer ones only from the generic labels consumer sites use (code such as
# ``requests.get`` or ``df.head`` is not a host).
_FILE_EXTENSIONS = {"py", "md", "js", "ts", "rs", "sh", "pl", "rb", "cs", "kt", "go", "db", "so", "in", "im", "am",
                    "pm", "id", "re", "is", "it", "to", "do", "as", "at", "be", "by", "me", "my", "no", "on", "or",
                    "us", "we", "hi", "ok"}
_LONG_TLDS = {"com", "net", "org", "info", "biz", "pro", "app", "dev", "online", "site", "store", "shop", "school",
              "academy", "education", "courses", "tech", "cloud", "games", "live", "space", "club", "xyz", "top",
              "media", "news", "bank", "money", "pay", "travel", "taxi", "delivery", "fit", "fitness", "music",
              "video", "tv", "рф", "su", "ru", "ua", "kz", "by", "uz", "io", "ai", "co", "me"}
# Generic second-level labels of the host names that are not a brand: mail and web services show them for
# every sender, so they say nothing about whose screen it is.
_GENERIC_LABELS = {"www", "m", "mail", "app", "my", "pay", "lk", "id", "account", "accounts", "login", "auth",
                   "secure", "online", "co", "com", "net", "org", "edu", "gov"}
# A brand written as one word with an inner capital (FoodRush, МаркетПолка, ВместеСеть): how most app and
# shop names look on their own screens. Generic words never look like this.
CAMEL_RE = re.compile(r"\b[A-ZА-ЯЁ][a-zа-яё]{2,}(?:[A-ZА-ЯЁ][a-zа-яё]{2,})+\b")
MIN_KEY_LENGTH = 4  # shorter names match by chance in any OCR text
MATCH_SCORE = 0.84  # partial_ratio / 100 at which a name counts as named (8 letters: one wrong letter is 0.875)


def skeleton(text: str | None) -> str:
    """Lower case, Cyrillic look-alikes as Latin, only letters and digits (``Кодариум`` → ``kodapuym``)."""
    return _NOT_ALNUM.sub("", (text or "").lower().translate(_LOOKALIKES))


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in (text or "").lower())


def site_label(host: str) -> str:
    """The brand label of a host name: ``https://pay.kodarium.ru/x`` → ``kodarium`` (``""`` if none)."""
    host = re.sub(r"^[a-z]+://", "", (host or "").strip().lower()).split("/")[0].split("@")[-1]
    labels = [label for label in host.split(".") if label]
    if len(labels) >= 2:
        labels = labels[:-1]  # the top-level domain
    labels = [label for label in labels if label not in _GENERIC_LABELS] or labels  # mail.ru is a brand
    return labels[-1] if labels else ""


def _clean(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v).strip() for v in values or () if str(v or "").strip()))


@dataclass(frozen=True)
class SchoolProfile:
    """Who the school is, as its screens and its students' bank statements would show it.

    ``name``: the brand (``Кодариум``); ``site``: its main site (``kodarium.ru``); ``aliases``: other names it
    appears under (a merchant name on bank statements, an English spelling, a product's name); ``domains``:
    more host names it owns (a payment page, a learning platform).
    """

    name: str = ""
    site: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    _keys: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", str(self.name or "").strip())
        object.__setattr__(self, "site", str(self.site or "").strip())
        object.__setattr__(self, "aliases", _clean(self.aliases))
        object.__setattr__(self, "domains", _clean(self.domains))
        keys = []
        for text in (self.name, *self.aliases):
            keys += [skeleton(text), skeleton(transliterate(text))]
        for host in (self.site, *self.domains):
            keys.append(skeleton(site_label(host)))
        object.__setattr__(self, "_keys", tuple(dict.fromkeys(k for k in keys if len(k) >= MIN_KEY_LENGTH)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> "SchoolProfile":
        """From a faq.yaml header or a stored profile: ``school``/``name``, ``site``, ``aliases``, ``domains``."""
        data = data or {}
        as_list = lambda v: [v] if isinstance(v, str) else list(v or [])  # noqa: E731
        return cls(name=data.get("name") or data.get("school") or "", site=data.get("site") or "",
                   aliases=tuple(as_list(data.get("aliases"))), domains=tuple(as_list(data.get("domains"))))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "site": self.site, "aliases": list(self.aliases), "domains": list(self.domains)}

    def __bool__(self) -> bool:
        return bool(self._keys)

    @property
    def keys(self) -> tuple[str, ...]:
        """The skeletons a mention is matched against."""
        return self._keys

    def mention_score(self, text: str) -> float:
        """How well the best-aligned part of ``text`` spells one of the school's names (0..1)."""
        if not self._keys or not text:
            return 0.0
        from rapidfuzz import fuzz  # C extension, ~1 ms; imported where a profile exists

        folded = skeleton(text)
        if not folded:
            return 0.0
        return max(fuzz.partial_ratio(key, folded) for key in self._keys) / 100.0

    def names_school(self, text: str) -> bool:
        return self.mention_score(text) >= MATCH_SCORE

    def foreign_brands(self, text: str) -> list[str]:
        """Host names and one-word brand names (``CamelCase``) in ``text`` that are not the school's."""
        from rapidfuzz import fuzz

        names = [m.group(0) for m in CAMEL_RE.finditer(text or "")]
        out = [n for n in names if not any(fuzz.partial_ratio(key, skeleton(n)) >= MATCH_SCORE * 100 for key in self._keys)]
        return self.foreign_hosts(text) + out

    def foreign_hosts(self, text: str) -> list[str]:
        """Host names in ``text`` whose brand label is not one of the school's names."""
        from rapidfuzz import fuzz

        out = []
        for match in DOMAIN_RE.finditer(text or ""):
            tld = match.group(2).lower()
            if (len(tld) == 2 and tld in _FILE_EXTENSIONS and tld not in _LONG_TLDS) or (len(tld) > 2 and tld not in _LONG_TLDS):
                continue
            label = skeleton(site_label(match.group(1)))
            if len(label) < 3 or label.isdigit():
                continue
            if any(fuzz.ratio(label, key) >= MATCH_SCORE * 100 or key in label for key in self._keys):
                continue
            out.append(match.group(1).lower())
        return out


__all__ = ["SchoolProfile", "skeleton", "transliterate", "site_label", "DOMAIN_RE", "MATCH_SCORE"]
