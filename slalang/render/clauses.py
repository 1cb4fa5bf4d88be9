"""The appendix's clause numbers: the contract numbers its articles with them, reports cite them.

A customer reads "clause 5" in a report and finds clause 5 in the appendix they signed; the
policy's ``file:line`` stays in the JSON, the plan and other engineer outputs. Both documents
ask this module, so the numbering cannot drift apart.

>>> clause_number("service_levels"), clause_number("credits")
('3', '5')
>>> subject_clause("resolution"), subject_clause("uptime"), subject_clause("cap")
('3', '3', '5')
"""

from __future__ import annotations

#: the appendix's articles, in the order the contract prints them (article n is ARTICLES[n-1])
ARTICLES: tuple[str, ...] = (
    "definitions",
    "business_hours",
    "service_levels",
    "exclusions",
    "credits",
)

#: what a report cites -> the article that states it (any metric name is a service level)
_SUBJECT_ARTICLE = {
    "uptime": "service_levels",
    "objective": "service_levels",
    "exclusion": "exclusions",
    "downtime": "exclusions",
    "credit": "credits",
    "uptime_credit": "credits",
    "objective_credit": "credits",
    "cap": "credits",
}


def clause_number(article: str) -> str:
    """The number of ``article`` (one of :data:`ARTICLES`) in the appendix."""
    try:
        return str(ARTICLES.index(article) + 1)
    except ValueError:
        raise KeyError(f"no article {article!r} in the appendix "
                       f"(articles: {', '.join(ARTICLES)})") from None


def subject_clause(subject: str) -> str:
    """The clause a report row cites: a metric's target (``response``, ``resolution``, any
    clock name), ``uptime``, ``exclusion``/``downtime``, ``credit`` and its kinds, ``cap``."""
    return clause_number(_SUBJECT_ARTICLE.get(subject, "service_levels"))


__all__ = ["ARTICLES", "clause_number", "subject_clause"]
