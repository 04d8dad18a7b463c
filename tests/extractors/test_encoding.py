"""Flagging pages that mix encodings."""

from __future__ import annotations

from extractors.encoding import declared_charset, mixed_encoding

TEXT = b"<html><head><meta charset='utf-8'></head><body>" + b"<p>plain words</p>" * 10


def test_clean_pages_are_not_flagged() -> None:
    assert mixed_encoding(TEXT + "Лавров".encode(), None) is None
    assert mixed_encoding("Лавров и Рубио".encode("cp1251"), "windows-1251") is None


def test_a_page_in_one_undeclared_legacy_encoding_is_not_called_mixed() -> None:
    assert mixed_encoding(b"<p>" + "Лавров и Рубио".encode("cp1251") * 3 + b"</p>", None) is None


def test_utf8_page_with_legacy_bytes_is_flagged() -> None:
    note = mixed_encoding(TEXT + "Лавров".encode() + "Рубио".encode("cp1251"), None)
    assert note is not None
    assert note.startswith("the page says utf-8 but 5 byte sequence(s) are not valid UTF-8")


def test_legacy_page_with_utf8_inside_is_flagged() -> None:
    note = mixed_encoding("Лавров".encode("cp1251") + "Рубио и Лавров".encode(), "windows-1251")
    assert note is not None
    assert "cp1251" in note


def test_declared_charset_prefers_the_header_then_meta() -> None:
    assert declared_charset(TEXT, "KOI8-R") == "koi8-r"
    assert declared_charset(TEXT, None) == "utf-8"
    assert declared_charset(b"<p>x</p>", None) is None
