"""Card JSON 2.0 as Lark documents it, checked the way Lark checks it: unknown attributes are errors.

Attribute lists are copied from the JSON 2.0 component pages (structure, title, plain text, rich
text, button, input, single-select dropdown, form container) of
https://open.feishu.cn/document/feishu-cards/card-json-v2-structure; only the components the bot
uses are described, and a card with any other component is refused too.
"""

from __future__ import annotations

import json
from typing import Any

CARD = {"schema", "config", "card_link", "header", "body"}
CONFIG = {
    "streaming_mode",
    "streaming_config",
    "summary",
    "locales",
    "enable_forward",
    "update_multi",
    "width_mode",
    "use_custom_translation",
    "enable_forward_interaction",
    "style",
}
HEADER = {"title", "subtitle", "text_tag_list", "i18n_text_tag_list", "template", "icon", "padding"}
TEMPLATES = {
    "blue", "wathet", "turquoise", "green", "yellow", "orange", "red",
    "carmine", "violet", "purple", "indigo", "grey", "default",
}  # fmt: skip
TAG_COLOURS = {
    "neutral", "blue", "turquoise", "lime", "orange", "violet", "indigo",
    "wathet", "green", "yellow", "red", "purple", "carmine",
}  # fmt: skip
TEXT = {"tag", "content", "i18n_content", "text_size", "text_color", "text_align", "lines"}
TEXT_TAG = {"tag", "element_id", "text", "color"}
BODY = {
    "direction",
    "padding",
    "horizontal_spacing",
    "horizontal_align",
    "vertical_spacing",
    "vertical_align",
    "elements",
}
COMMON = {"tag", "element_id", "margin"}
COMPONENTS = {
    "div": COMMON | {"width", "text", "icon"},
    "markdown": COMMON | {"content", "i18n_content", "text_size", "text_align", "icon"},
    "button": COMMON
    | {
        "type",
        "size",
        "width",
        "text",
        "icon",
        "hover_tips",
        "disabled",
        "disabled_tips",
        "confirm",
        "behaviors",
        "name",
        "form_action_type",
    },
    "form": COMMON
    | {
        "direction",
        "horizontal_spacing",
        "vertical_spacing",
        "horizontal_align",
        "vertical_align",
        "padding",
        "name",
        "elements",
    },
    "input": COMMON
    | {
        "name",
        "required",
        "disabled",
        "disabled_tips",
        "placeholder",
        "default_value",
        "width",
        "behaviors",
        "max_length",
        "input_type",
        "show_icon",
        "rows",
        "auto_resize",
        "max_rows",
        "label",
        "label_position",
        "value",
        "confirm",
        "fallback",
    },
    "select_static": COMMON
    | {
        "type",
        "name",
        "required",
        "disabled",
        "initial_option",
        "initial_index",
        "placeholder",
        "width",
        "behaviors",
        "options",
        "confirm",
    },
}
INTERACTIVE = {"button", "input", "select_static"}
BUTTON_TYPES = {
    "default", "primary", "danger", "text", "primary_text",
    "danger_text", "primary_filled", "danger_filled", "laser",
}  # fmt: skip
OPEN_URL = {"type", "default_url", "android_url", "ios_url", "pc_url"}
CALLBACK = {"type", "value"}
MAX_CARD_BYTES = 30 * 1024


def problems(card: Any) -> list[str]:
    """Everything Lark would refuse in `card`; empty when it is valid."""
    found: list[str] = []
    if not isinstance(card, dict):
        return ["the card is not an object"]
    _keys(card, CARD, "card", found)
    if card.get("schema") != "2.0":
        found.append('schema must be "2.0"')
    config = card.get("config", {})
    _keys(config, CONFIG, "config", found)
    if config.get("update_multi") is False:
        found.append("JSON 2.0 cards must be shared: update_multi true")
    header = card.get("header")
    if header is not None:
        _keys(header, HEADER, "header", found)
        if "title" not in header:
            found.append("header.title is required")
        for name in ("title", "subtitle"):
            if name in header:
                _text(header[name], f"header.{name}", found)
        if header.get("template", "default") not in TEMPLATES:
            found.append(f"header.template {header.get('template')!r} is not a documented colour")
        for i, tag in enumerate(header.get("text_tag_list", [])):
            _keys(tag, TEXT_TAG, f"header.text_tag_list[{i}]", found)
            _text(tag.get("text"), f"header.text_tag_list[{i}].text", found)
            if tag.get("color", "blue") not in TAG_COLOURS:
                found.append(f"text_tag colour {tag.get('color')!r} is not documented")
    body = card.get("body", {})
    _keys(body, BODY, "body", found)
    names: list[str] = []
    for i, element in enumerate(body.get("elements", [])):
        _element(element, f"body.elements[{i}]", found, names, in_form=False)
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        found.append(f"component names must be unique in the card: {sorted(duplicates)}")
    if len(json.dumps(card, ensure_ascii=False).encode()) > MAX_CARD_BYTES:
        found.append("the card is larger than 30 KB")
    return found


def _keys(value: Any, allowed: set[str], where: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{where} must be an object")
        return
    unknown = sorted(set(value) - allowed)
    if unknown:
        found.append(f"{where}: unknown attributes {unknown}")


def _text(value: Any, where: str, found: list[str]) -> None:
    _keys(value, TEXT, where, found)
    if isinstance(value, dict):
        if value.get("tag") not in ("plain_text", "lark_md"):
            found.append(f"{where}.tag must be plain_text or lark_md")
        if not isinstance(value.get("content", ""), str):
            found.append(f"{where}.content must be a string")


def _element(element: Any, where: str, found: list[str], names: list[str], *, in_form: bool) -> None:
    if not isinstance(element, dict) or element.get("tag") not in COMPONENTS:
        found.append(
            f"{where}: unsupported component {element.get('tag') if isinstance(element, dict) else element!r}"
        )
        return
    tag = element["tag"]
    _keys(element, COMPONENTS[tag], where, found)
    if "name" in element:
        names.append(element["name"])
    if "required" in element and not in_form:
        found.append(f"{where}: required is only allowed inside a form")
    if in_form and tag in INTERACTIVE and not element.get("name"):
        found.append(f"{where}: components in a form need a name (client error 200530)")
    if tag == "div":
        _text(element.get("text"), f"{where}.text", found)
    elif tag == "markdown":
        if not isinstance(element.get("content"), str):
            found.append(f"{where}.content must be a string")
    elif tag == "button":
        _button(element, where, found, in_form=in_form)
    elif tag == "input":
        _input(element, where, found)
    elif tag == "select_static":
        _select(element, where, found)
    elif tag == "form":
        if in_form:
            found.append(f"{where}: a form cannot contain a form")
        if not element.get("name"):
            found.append(f"{where}: a form needs a name")
        children = element.get("elements", [])
        for i, child in enumerate(children):
            _element(child, f"{where}.elements[{i}]", found, names, in_form=True)
        if not any(c.get("tag") == "button" and c.get("form_action_type") == "submit" for c in children):
            found.append(f"{where}: a form needs a button with form_action_type submit")


def _button(element: dict[str, Any], where: str, found: list[str], *, in_form: bool) -> None:
    _text(element.get("text"), f"{where}.text", found)
    if element.get("type", "default") not in BUTTON_TYPES:
        found.append(f"{where}.type {element.get('type')!r} is not documented")
    if "form_action_type" in element:
        if not in_form:
            found.append(f"{where}: form_action_type outside a form")
        if element["form_action_type"] not in ("submit", "reset"):
            found.append(f"{where}.form_action_type must be submit or reset")
    elif in_form:
        found.append(f"{where}: buttons in a form need form_action_type")
    for i, behaviour in enumerate(element.get("behaviors", [])):
        kind = behaviour.get("type")
        if kind == "open_url":
            _keys(behaviour, OPEN_URL, f"{where}.behaviors[{i}]", found)
            if not behaviour.get("default_url"):
                found.append(f"{where}.behaviors[{i}]: open_url needs default_url")
        elif kind == "callback":
            _keys(behaviour, CALLBACK, f"{where}.behaviors[{i}]", found)
            if not isinstance(behaviour.get("value"), dict):
                found.append(f"{where}.behaviors[{i}].value must be an object")
        else:
            found.append(f"{where}.behaviors[{i}]: unknown type {kind!r}")


def _input(element: dict[str, Any], where: str, found: list[str]) -> None:
    for name in ("label", "placeholder"):
        if name in element:
            _text(element[name], f"{where}.{name}", found)
    if len(element.get("placeholder", {}).get("content", "")) > 100:
        found.append(f"{where}.placeholder is longer than 100 characters")
    if not 1 <= element.get("max_length", 1000) <= 1000:
        found.append(f"{where}.max_length must be 1 to 1,000")
    if element.get("input_type", "text") not in ("text", "multiline_text", "password"):
        found.append(f"{where}.input_type is not documented")
    if not isinstance(element.get("default_value", ""), str):
        found.append(f"{where}.default_value must be a string")


def _select(element: dict[str, Any], where: str, found: list[str]) -> None:
    if "placeholder" in element:
        _text(element["placeholder"], f"{where}.placeholder", found)
    values = []
    for i, option in enumerate(element.get("options", [])):
        _keys(option, {"text", "icon", "value"}, f"{where}.options[{i}]", found)
        _text(option.get("text"), f"{where}.options[{i}].text", found)
        values.append(option.get("value"))
    if "initial_option" in element and element["initial_option"] not in values:
        found.append(f"{where}.initial_option is not one of the options")
