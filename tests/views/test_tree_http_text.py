"""The text rules of the HTTP tree's items (views/tree_http_text.py): format_text's escapes
and UTF-8 reading, and the [truncated] mark of a label over its buffer, on hand-made
bytes whose tshark output the show golden files hold in full (lossy-seed7.pcap's
Continuations, scapy-http_content_length.pcap frame 15)."""

from __future__ import annotations

from tcpscope.views.tree_http_text import expert_message, format_text, item_label, text_label


def test_format_text_escapes_ascii_and_reads_utf8() -> None:
    assert format_text(b"GET / HTTP/1.1\r\n") == "GET / HTTP/1.1\\r\\n"
    assert format_text(b"a\x00\x07\x08\x0b\x0c\t\x7f\x1b") == "a\\000\\a\\b\\v\\f\\t\\177\\033"
    assert format_text("é€".encode()) == "é€"
    # (a lone continuation byte, a cut sequence, 0xFF: one REPLACEMENT CHARACTER each;
    # the byte that breaks a sequence starts the next character)
    assert format_text(b"\x80A\xe2\x82") == "\ufffdA\ufffd"
    assert format_text(b"\xc3A") == "\ufffdA"
    assert format_text(b"\xff") == "\ufffd"
    # (a character that is not printable: \u or \U and upper-case hex digits)
    assert format_text("\u200b".encode()) == "\\u200B"
    assert format_text(b"\xf2\x93\x8e\xb0") == "\\U000933B0"


def test_a_label_over_its_buffer_is_marked_and_cut() -> None:
    assert text_label("x" * 239) == "x" * 239
    assert text_label("x" * 240) == " [truncated]" + "x" * 226
    assert item_label("Request URI", "/" + "a" * 300) == "Request URI [truncated]: /" + "a" * 212
    assert len(item_label("Request URI", "/" + "a" * 300)) == 238
    # (cut before the character that holds byte 238: a 3-byte character there goes whole)
    assert text_label("x" * 224 + "\ufffd" * 10) == " [truncated]" + "x" * 224 + "\ufffd" * 0
    assert text_label("x" * 223 + "\ufffd" * 10) == " [truncated]" + "x" * 223 + "\ufffd"


def test_an_expert_message_keeps_239_bytes() -> None:
    assert expert_message("m" * 300) == "m" * 239
    assert expert_message("m" * 238 + "é") == "m" * 238
