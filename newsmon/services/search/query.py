"""The search query language: words (all must occur), ``"a phrase"``, ``OR``, ``NOT word`` or
``-word``, ``(parentheses)``, ``word*`` for a prefix, parsed into a tree of folded terms.

The user's query is never handed to a database as written: every backend re-quotes each term,
so quotes, ``*``, ``:``, ``^``, ``NEAR(``, unbalanced parentheses or SQL give results or an
empty page, never a syntax error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.text import fold_words, nfc

MAX_TERMS = 32  # terms beyond this are ignored (a pasted 10 kB query stays fast)


MAX_DEPTH = 8  # parentheses nested deeper are read as plain grouping-free text


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # folded words; more than one is a phrase
    prefix: bool = False  # the last word is a prefix (``huan*``)


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Not | And | Or


_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|([()])|([^\s()"]+)')


def _tokens(query: str) -> list[tuple[str, Any, bool]]:
    """(kind, value, negated): kind is ``term``, ``(``, ``)``, ``OR``, ``AND`` or ``NOT``."""
    tokens: list[tuple[str, Any, bool]] = []
    for m in _TOKEN_RE.finditer(nfc(query)):
        neg, phrase, paren, word = m.groups()
        if paren:
            tokens.append((paren, None, False))
        elif word in ("OR", "AND", "NOT", "|", "&&", "||"):
            tokens.append(({"|": "OR", "||": "OR", "&&": "AND"}.get(word, word), None, False))
        elif phrase is not None:
            words = tuple(fold_words(phrase))
            if words:
                tokens.append(("term", Term(words), bool(neg)))
        elif word:
            negated = word.startswith("-") and len(word) > 1
            prefix = word.endswith("*")
            words = tuple(fold_words(word))
            if words:
                tokens.append(("term", Term(words, prefix), negated))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any, bool]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.terms = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        items: list[Node] = []
        while self.pos < len(self.tokens):
            node = self.parse_or(0)
            if node is not None:
                items.append(node)
            if self.peek() == ")":  # a stray closing parenthesis: ignore it
                self.pos += 1
        return _simplify(And(tuple(items))) if items else None

    def parse_or(self, depth: int) -> Node | None:
        items = [self.parse_and(depth)]
        while self.peek() == "OR":
            self.pos += 1
            items.append(self.parse_and(depth))
        kept = tuple(i for i in items if i is not None)
        return _simplify(Or(kept)) if kept else None

    def parse_and(self, depth: int) -> Node | None:
        items: list[Node] = []
        negate = False
        while (kind := self.peek()) is not None and kind not in (")", "OR"):
            self.pos += 1
            if kind == "AND":
                continue
            if kind == "NOT":
                negate = True
                continue
            node: Node | None
            if kind == "(":
                if depth >= MAX_DEPTH:
                    continue
                node = self.parse_or(depth + 1)
                if self.peek() == ")":
                    self.pos += 1
            else:
                _, term, negated = self.tokens[self.pos - 1]
                self.terms += 1
                node = term if self.terms <= MAX_TERMS else None
                negate = negate or negated
            if node is not None:
                items.append(Not(node) if negate else node)
            negate = False
        return _simplify(And(tuple(items))) if items else None


def _simplify(node: Node) -> Node:
    if isinstance(node, And | Or) and len(node.items) == 1:
        return node.items[0]
    return node


def parse_query(query: str) -> Node | None:
    """The query as a tree of terms, or None when it holds no searchable word."""
    return _Parser(_tokens(query[:20_000])).parse()


def positive_terms(node: Node | None) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for item in node.items for t in positive_terms(item)]
    return []
