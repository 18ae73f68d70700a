"""Reading classification rules: one YAML file, or a folder of ``common.yaml`` and one file per
language merged into the single-file layout that :mod:`pipeline.classify.classifier` compiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline import yamlfile

__all__ = ["LANGUAGE_SECTIONS", "RulesError", "merge_directory", "read_yaml"]


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the entry."""


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    return raw


LANGUAGE_SECTIONS = ("types", "signals", "topics")


def merge_directory(folder: Path) -> dict[str, Any]:
    """``common.yaml`` and one file per language, as one mapping in the single-file layout
    (``{types: {name: {lang: phrases}}, ..., report_sentence: {verbs: {lang: [...]}}}``)."""
    common_path = folder / "common.yaml"
    raw = read_yaml(common_path)
    topic_names = raw.get("topics") or {}
    if not isinstance(topic_names, dict):
        raise RulesError(f"{common_path}: topics: expected a mapping of topic names to descriptions")
    merged: dict[str, Any] = {k: v for k, v in raw.items() if k != "topics"}
    merged.update(types={}, signals={}, topics={name: {} for name in topic_names})
    merged["report_sentence"] = {"verbs": {}, "nouns": {}}
    languages: list[str] = []
    spaceless: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "common.yaml":
            continue
        spec = read_yaml(path)
        lang = spec.get("language")
        if not isinstance(lang, str) or lang != path.stem:
            raise RulesError(f"{path}: 'language' must be {path.stem!r}, the file's name")
        languages.append(lang)
        if spec.get("spaceless"):
            spaceless.append(lang)
        for part in ("verbs", "nouns"):
            merged["report_sentence"][part][lang] = list((spec.get("report_sentence") or {}).get(part) or [])
        for section in LANGUAGE_SECTIONS:
            groups = spec.get(section) or {}
            if not isinstance(groups, dict):
                raise RulesError(f"{path}: {section}: expected a mapping")
            for group, phrases in groups.items():
                if section == "topics" and group not in topic_names:
                    raise RulesError(f"{path}: topics: unknown topic {group!r} (add it to common.yaml first)")
                merged[section].setdefault(group, {})[lang] = phrases
    if not languages:
        raise RulesError(f"{folder}: no language file (vi.yaml, en.yaml ...) beside common.yaml")
    merged["languages"] = languages
    merged["spaceless"] = spaceless
    return merged
