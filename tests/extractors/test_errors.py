"""The tree drawn in extractors/errors.py is the class tree."""

from __future__ import annotations

import re

from extractors import errors


def drawn_tree() -> dict[str, str | None]:
    """Each class named in the module docstring's tree, with the parent it is drawn under."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^(\s*(?:[│├└─]\s*)*)([A-Z]\w+)\b", line)
        if not match or not hasattr(errors, match.group(2)):
            continue
        depth, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((depth, name))
    return parents


def test_the_docstring_draws_every_error_under_its_parent() -> None:
    actual = {
        name: (None if cls is errors.ExtractorError else cls.__bases__[0].__name__)
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.ExtractorError)
    }
    assert drawn_tree() == actual


def test_a_configuration_error_is_neither_transient_nor_a_permanent_failure_of_a_source() -> None:
    assert errors.ConfigError.__bases__ == (errors.ExtractorError,)
    assert not errors.ConfigError("x").transient
