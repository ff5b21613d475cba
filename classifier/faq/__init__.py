"""The FAQ layer (Django-free): find the school's FAQ entries that answer a message, judge whether a person
must act, and decide whether to answer automatically.

Modules, lowest first (none imports one below it in this list): ``params`` (shipped data), ``documents``
(``FaqDocument``, faq.yaml), ``learning`` (operators' answers as learned phrasings),
``lexical`` (tokens, BM25), ``index`` (``FaqIndex``), ``needs_human``,
``decision`` (``answer_decision`` -> ``AutoAnswerDecision`` with a ``FaqOutcome``).
"""
