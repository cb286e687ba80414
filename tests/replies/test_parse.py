"""Reading one email: its key, sender, text without the quoted thread, the
messages it answers, and its attached files."""

from email.message import EmailMessage

from cases.replies.parse import parse, reply_files
from tests.replies.conftest import email


def test_a_message_without_a_message_id_is_keyed_by_its_bytes():
    raw = email(message_id=False).as_bytes()
    assert parse(raw).key == parse(raw).key
    assert parse(raw).key.startswith("sha256:")
    assert parse(raw + b"more").key != parse(raw).key


def test_the_message_id_is_the_key():
    raw = email(message_id="<abc@client.example.com>").as_bytes()
    assert parse(raw).key == "<abc@client.example.com>"


def test_the_sender_recipients_and_answered_ids_are_read():
    message = email(
        sender='"Reyes, Dana" <Dana@Client.Example.com>',
        to="replies+c1-abc@mend.example.com, other@x.example",
        in_reply_to="<one@mend.example.com>",
        headers={"Delivered-To": "replies@mend.example.com"},
    )
    parsed = parse(message.as_bytes())
    assert (parsed.from_name, parsed.from_address) == (
        "Reyes, Dana",
        "dana@client.example.com",
    )
    assert "replies+c1-abc@mend.example.com" in parsed.to
    assert "replies@mend.example.com" in parsed.to
    assert parsed.answers == ["<one@mend.example.com>"]


def test_an_outlook_reply_loses_the_original_message_block():
    text = (
        "Fine by us.\n\n-----Original Message-----\nFrom: Acme Sales\n"
        "Sent: Monday\nTo: Dana\nSubject: Our call\n\nWe confirm the date."
    )
    parsed = parse(email(text=text).as_bytes())
    assert parsed.reply_text == "Fine by us."
    assert "We confirm the date." in parsed.text


def test_an_html_only_reply_is_read_as_text():
    message = EmailMessage()
    message["From"] = "dana@client.example.com"
    message["Subject"] = "Re"
    message.set_content("<p>Yes, &amp; thank you.</p>", subtype="html")
    assert parse(message.as_bytes()).text == "Yes, & thank you."


def test_automatic_answers_are_told_apart():
    assert parse(email(headers={"Auto-Submitted": "auto-replied"}).as_bytes()).automatic
    assert parse(email(sender="MAILER-DAEMON@mx.example").as_bytes()).automatic
    assert not parse(email().as_bytes()).automatic


def test_the_files_of_a_reply_are_collected_with_their_names():
    message = email(
        files=[
            ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf"),
            ("screenshot.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ]
    )
    files = reply_files(parse(message.as_bytes()).message)
    assert files == [
        ("receipt.pdf", b"%PDF-1.4 receipt"),
        ("screenshot.png", b"\x89PNG\r\n\x1a\n...."),
    ]
    assert reply_files(parse(email().as_bytes()).message) == []


def test_a_date_in_the_future_is_taken_as_now():
    message = email()
    message.replace_header("Date", "Fri, 01 Jan 2099 10:00:00 +0000")
    assert parse(message.as_bytes()).received_at.year < 2099
