"""Writers of GIFT and Moodle XML, the counterparts of the readers in this package.

What each format cannot carry (and comes back with its default on import):

- GIFT: ``difficulty``, ``language``, ``default_points`` (1, or 0 for a description),
  ``shuffle`` (true), ``case_sensitive`` (false), an essay's ``grader_info``/``min_words``/
  ``max_words``, an ordering's ``grading``; a numerical range ``a..b`` comes back as its
  middle with a tolerance of half its width (the same accepted numbers). GIFT has no
  ordering type: an ordering question is refused by name (export it as XML or JSON).
- Moodle XML: ``difficulty`` and ``language``; everything else goes through.

Texts are written as HTML (``[html]`` in GIFT, ``format="html"`` in XML): the stored text
is already sanitized HTML, so it comes back unchanged.

Images (:mod:`question_bank.images`): Moodle XML writes each image as a
``<file name="..." path="/" encoding="base64">`` beside its text, referenced as
``@@PLUGINFILE@@/name``, as Moodle does; GIFT (like Certify JSON) writes it as a ``data:`` URI
in the ``<img>``, so the file stands alone. On import the same bytes find the same stored
image (by content hash), so export, import, export gives the same file.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET  # writing only; reading goes through defusedxml
from decimal import Decimal

_GIFT_SPECIAL = "\\~=#{}:"


class ExportError(ValueError):
    """A question that this format cannot hold; the message names it."""


def _gift_escape(text: str) -> str:
    out = "".join("\\" + char if char in _GIFT_SPECIAL else char for char in text)
    # One question is one block of lines: line breaks travel as GIFT's \n escape.
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _percent(fraction: str) -> str:
    text = format((Decimal(fraction) * 100).normalize(), "f")
    return "0" if text == "-0" else text


def _weight(fraction: str) -> str:
    return f"%{_percent(fraction)}%"


def _feedback(text: str) -> str:
    return f"#{_gift_escape(text)}" if text else ""


def _gift_answers(question: dict) -> str | None:
    qtype = question["qtype"]
    if qtype in ("single_choice", "multiple_response"):
        parts = []
        marked = False
        for choice in question["choices"]:
            fraction = choice["fraction"]
            text = _gift_escape(choice["text"]) + _feedback(choice["feedback"])
            if (
                qtype == "single_choice"
                and not marked
                and Decimal(fraction) == max(Decimal(c["fraction"]) for c in question["choices"])
            ):
                # "=" makes a GIFT question single-choice; the best option carries it.
                marked = True
                parts.append(("=" if Decimal(fraction) == 1 else f"={_weight(fraction)}") + text)
            elif Decimal(fraction) == 0:
                parts.append("~" + text)
            else:
                parts.append(f"~{_weight(fraction)}" + text)
        return " ".join(parts)
    if qtype == "true_false":
        right, wrong = (
            (question["feedback_true"], question["feedback_false"])
            if question["correct"]
            else (question["feedback_false"], question["feedback_true"])
        )
        block = "TRUE" if question["correct"] else "FALSE"
        # Moodle's order: the first feedback is for a wrong response, the second for a right one.
        if wrong or right:
            block += f"#{_gift_escape(wrong)}#{_gift_escape(right)}" if right else f"#{_gift_escape(wrong)}"
        return block
    if qtype == "short_answer":
        return " ".join(
            f"={_weight(a['fraction'])}{_gift_escape(a['text'])}{_feedback(a['feedback'])}" for a in question["answers"]
        )
    if qtype == "numerical":
        parts = []
        for answer in question["answers"]:
            value = answer["value"]
            if ".." in value.lstrip("-"):
                low, _dots, high = value.partition("..")
                low_d, high_d = Decimal(low), Decimal(high)
                number = f"{format((low_d + high_d) / 2, 'f')}:{format((high_d - low_d) / 2, 'f')}"
            elif value == "*":
                number = "*"
            else:
                number = f"{value}:{answer['tolerance']}"
            parts.append(f"={_weight(answer['fraction'])}{_gift_escape(number)}{_feedback(answer['feedback'])}")
        return "#" + " ".join(parts)
    if qtype == "matching":
        return " ".join(f"={_gift_escape(p['prompt'])} -> {_gift_escape(p['answer'])}" for p in question["pairs"])
    if qtype == "essay":
        return ""
    if qtype == "description":
        return None
    raise ExportError(f"Question '{question['name']}': GIFT has no {qtype} type; export it as Moodle XML or JSON")


def _with_inline_images(questions: list[dict]) -> list[dict]:
    """The questions with their stored images as ``data:`` URIs (reads the image files)."""
    from question_bank.images import question_images_inline

    cache: dict = {}
    return [
        question_images_inline(question, cache=cache) if "<img" in str(question) else question for question in questions
    ]


def write_gift(questions: list[dict]) -> str:
    """``questions`` (interchange form, with ``category``) as the text of a GIFT file.

    Stored images are written as ``data:`` URIs. Raises :class:`ExportError` for an
    ordering question (GIFT has no such type).
    """
    out: list[str] = []
    category = None
    for question in _with_inline_images(questions):
        if question.get("category", "") != category:
            category = question.get("category", "")
            out.append(f"$CATEGORY: $course$/top/{category}\n" if category else "$CATEGORY: $course$/top\n")
        comments = []
        if question.get("idnumber"):
            comments.append(f"// [id:{question['idnumber'].replace(']', chr(92) + ']')}]")
        comments.extend(f"// [tag:{tag.replace(']', chr(92) + ']')}]" for tag in question.get("tags", []))
        answers = _gift_answers(question)
        head = f"::{_gift_escape(question['name'])}::[html]{_gift_escape(question['text'])}"
        if answers is None:
            body = head
        else:
            feedback = f" ####{_gift_escape(question['general_feedback'])}" if question.get("general_feedback") else ""
            body = f"{head} {{{answers}{feedback}}}"
        out.append("\n".join([*comments, body]) + "\n")
    return "\n".join(out)


# --- Moodle XML ---------------------------------------------------------------------------------


def _files(element: ET.Element, value: str) -> str:
    """``value`` with its images as ``@@PLUGINFILE@@/name``; their ``<file>`` added to ``element``."""
    if "<img" not in value:
        return value
    from question_bank.images import html_images_to_files

    value, files = html_images_to_files(value)
    for name, content in files:
        node = ET.SubElement(element, "file", {"name": name, "path": "/", "encoding": "base64"})
        node.text = base64.b64encode(content).decode("ascii")
    return value


def _text(parent: ET.Element, tag: str, value: str, *, html: bool = True) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": "html"} if html else {})
    text = ET.SubElement(element, "text")
    text.text = _files(element, value) if html else value
    return element


def _plain(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _xml_answer(parent: ET.Element, fraction: str, text: str, feedback: str, *, html: bool) -> ET.Element:
    answer = ET.SubElement(parent, "answer", {"fraction": _percent(fraction), **({"format": "html"} if html else {})})
    node = ET.SubElement(answer, "text")
    node.text = _files(answer, text) if html else text
    _text(answer, "feedback", feedback)
    return answer


_XML_TYPES = {
    "single_choice": "multichoice",
    "multiple_response": "multichoice",
    "true_false": "truefalse",
    "short_answer": "shortanswer",
    "numerical": "numerical",
    "matching": "matching",
    "ordering": "ordering",
    "essay": "essay",
    "description": "description",
}


def _xml_question(quiz: ET.Element, question: dict) -> None:
    qtype = question["qtype"]
    element = ET.SubElement(quiz, "question", {"type": _XML_TYPES[qtype]})
    name = ET.SubElement(element, "name")
    ET.SubElement(name, "text").text = question["name"]
    _text(element, "questiontext", question["text"])
    _text(element, "generalfeedback", question.get("general_feedback", ""))
    _plain(element, "defaultgrade", question.get("default_points", "1"))
    if question.get("idnumber"):
        _plain(element, "idnumber", question["idnumber"])
    if qtype in ("single_choice", "multiple_response"):
        _plain(element, "single", "true" if qtype == "single_choice" else "false")
        _plain(element, "shuffleanswers", "true" if question.get("shuffle", True) else "false")
        for choice in question["choices"]:
            _xml_answer(element, choice["fraction"], choice["text"], choice["feedback"], html=True)
    elif qtype == "true_false":
        _xml_answer(element, "1" if question["correct"] else "0", "true", question["feedback_true"], html=False)
        _xml_answer(element, "0" if question["correct"] else "1", "false", question["feedback_false"], html=False)
    elif qtype == "short_answer":
        _plain(element, "usecase", "1" if question.get("case_sensitive") else "0")
        for answer in question["answers"]:
            _xml_answer(element, answer["fraction"], answer["text"], answer["feedback"], html=False)
    elif qtype == "numerical":
        for answer in question["answers"]:
            value = answer["value"]
            tolerance = answer["tolerance"]
            if ".." in value.lstrip("-"):
                low, _dots, high = value.partition("..")
                low_d, high_d = Decimal(low), Decimal(high)
                value, tolerance = format((low_d + high_d) / 2, "f"), format((high_d - low_d) / 2, "f")
            node = _xml_answer(element, answer["fraction"], value, answer["feedback"], html=False)
            _plain(node, "tolerance", tolerance)
    elif qtype == "matching":
        _plain(element, "shuffleanswers", "true" if question.get("shuffle", True) else "false")
        for pair in question["pairs"]:
            sub = _text(element, "subquestion", pair["prompt"])
            answer = ET.SubElement(sub, "answer")
            ET.SubElement(answer, "text").text = pair["answer"]
    elif qtype == "ordering":
        _plain(element, "gradingtype", "0" if question.get("grading") == "all_or_nothing" else "1")
        for position, item in enumerate(question["items"], start=1):
            answer = ET.SubElement(element, "answer", {"fraction": str(position), "format": "html"})
            node = ET.SubElement(answer, "text")
            node.text = _files(answer, item["text"])
    elif qtype == "essay":
        _text(element, "graderinfo", question.get("grader_info", ""))
        if question.get("min_words"):
            _plain(element, "minwordlimit", str(question["min_words"]))
        if question.get("max_words"):
            _plain(element, "maxwordlimit", str(question["max_words"]))
    if question.get("tags"):
        tags = ET.SubElement(element, "tags")
        for tag in question["tags"]:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag


def write_moodle_xml(questions: list[dict]) -> str:
    """``questions`` (interchange form) as a Moodle XML ``<quiz>`` document (UTF-8 text);
    stored images as embedded base64 ``<file>`` elements (see the module docstring)."""
    quiz = ET.Element("quiz")
    category = None
    for question in questions:
        if question.get("category", "") != category:
            category = question.get("category", "")
            entry = ET.SubElement(quiz, "question", {"type": "category"})
            node = ET.SubElement(entry, "category")
            ET.SubElement(node, "text").text = f"$course$/top/{category}" if category else "$course$/top"
        _xml_question(quiz, question)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
