"""Instruments as FHIR R4 Questionnaires, and instruments imported from Questionnaires.

An Alliance Questionnaire carries the full instrument definition (scales,
reverse keys, missing-data rules, bands, flags, change norms, licence,
citation) in one extension, so it imports back to the identical instrument.
A Questionnaire from elsewhere gives the items and answers; the scoring
rules, licence and citation come from a small TOML file in the project's
own format, because a scoring rule is never guessed.

>>> from alliance.instruments import get
>>> q = questionnaire(get("phq9"))
>>> q["url"], len(q["item"])
('https://alliance.example/fhir/Questionnaire/phq9', 9)
>>> instrument_from_questionnaire(q) == get("phq9")
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from alliance.errors import InstrumentError
from alliance.fhir.common import (
    DEFAULT_BASE,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL_VALUE,
    definition_url,
    fhir_id,
    number,
    questionnaire_url,
    responses_system,
    value_code,
)
from alliance.fhir.errors import FhirError
from alliance.fhir.validation import as_mapping, normalised, validate
from alliance.instruments import Instrument, ResponseScale, parse_instrument
from alliance.instruments.schema import ID_PATTERN

SCORING_KEYS = frozenset(
    {
        "id", "name", "short_name", "respondent", "adapted", "adapted_note", "timeframe",
        "instructions", "name_placeholder", "reverse", "scales", "flags", "licence",
        "citation", "notes",
    }
)  # fmt: skip
DEFINITION_HINT = (
    "add a scoring file in the project's TOML format with [[scales]] (id, label, items, "
    "method, missing = {method, max_missing, source}), [licence] (name, text) and "
    "[citation] (text)"
)


def questionnaire(instrument: Instrument, *, base_url: str = DEFAULT_BASE) -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire (JSON), validated with fhir.resources (R4B)."""
    definition = json.dumps(instrument.model_dump(mode="json"), ensure_ascii=False)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": fhir_id(instrument.id),
        "extension": [{"url": definition_url(base_url), "valueString": definition}],
        "url": questionnaire_url(base_url, instrument.id),
        "name": instrument.short_name,
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.instructions,
        "purpose": f"Citation: {instrument.citation.text}",
        "copyright": f"{instrument.licence.name}. {instrument.licence.text}",
        "item": [_item(instrument, item.n, base_url) for item in instrument.items],
    }
    validate(resource)
    return resource


def _item(instrument: Instrument, n: int, base_url: str) -> dict[str, Any]:
    item = instrument.item(n)
    scale = instrument.response_for(n)
    out: dict[str, Any] = {"linkId": str(n), "text": item.text, "required": item.required}
    if scale.kind == "choice":
        system = responses_system(base_url, instrument.id)
        out["type"] = "choice"
        out["answerOption"] = [
            {
                "valueCoding": {
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": number(o.value)}],
                    "system": system,
                    "code": value_code(o.value),
                    "display": o.label,
                }
            }
            for o in scale.options
        ]
    elif scale.kind == "numeric":
        kind = "integer" if _integer_scale(scale) else "decimal"
        key = "valueInteger" if kind == "integer" else "valueDecimal"
        out["type"] = kind
        out["extension"] = [
            {"url": MIN_VALUE, key: number(scale.low)},
            {"url": MAX_VALUE, key: number(scale.high)},
        ]
    else:
        out["type"] = "text"
    return out


def _integer_scale(scale: ResponseScale) -> bool:
    values = (scale.min, scale.max, scale.step)
    return all(v is not None and float(v).is_integer() for v in values)


# --- import -------------------------------------------------------------------------------


def instrument_from_questionnaire(
    resource: Mapping[str, Any] | str,
    *,
    scoring: Mapping[str, Any] | None = None,
) -> Instrument:
    """An instrument from a FHIR Questionnaire (JSON text or a parsed mapping).

    With the Alliance definition extension, that definition is used (and must
    agree with the items). Otherwise the items and answers come from the
    Questionnaire and the scales, licence and citation from ``scoring`` (the
    project's TOML shape; item numbers there count the answerable items from
    1 in order). Errors: :class:`FhirError` for an invalid Questionnaire,
    :class:`InstrumentError` for a missing or invalid scoring definition; each
    names the path.
    """
    data = normalised(as_mapping(resource, "Questionnaire"))
    embedded = _embedded(data)
    if embedded is not None:
        if scoring:
            raise InstrumentError(
                "scoring: this Questionnaire carries its own Alliance definition; "
                "leave the scoring file out"
            )
        instrument = parse_instrument(embedded, "Questionnaire.extension[alliance-instrument]")
        _check_agrees(data, instrument)
        return instrument
    return _from_items(data, scoring or {})


def _embedded(data: Mapping[str, Any]) -> dict[str, Any] | None:
    for i, ext in enumerate(data.get("extension") or []):
        url = str(ext.get("url", ""))
        if url.endswith("/StructureDefinition/alliance-instrument"):
            try:
                raw = json.loads(ext.get("valueString") or "")
            except json.JSONDecodeError as exc:
                raise FhirError(f"extension[{i}].valueString: not valid JSON: {exc}") from None
            if not isinstance(raw, dict):
                raise FhirError(f"extension[{i}].valueString: expected a JSON object")
            return raw
    return None


def _check_agrees(data: Mapping[str, Any], instrument: Instrument) -> None:
    """The visible items must be those of the embedded definition (nobody edited one side)."""
    expected = questionnaire(instrument)["item"]
    given = list(data.get("item") or [])
    if len(given) != len(expected):
        raise FhirError(
            f"item: {len(given)} items, but the Alliance definition has {len(expected)}"
        )
    for i, (got, want) in enumerate(zip(given, expected, strict=True)):
        for key in ("linkId", "type", "text"):
            if got.get(key) != want[key]:
                raise FhirError(
                    f"item[{i}].{key}: {got.get(key)!r} differs from the Alliance "
                    f"definition ({want[key]!r})"
                )
        got_codes = [_coding(o).get("code") for o in got.get("answerOption") or []]
        want_codes = [o["valueCoding"]["code"] for o in want.get("answerOption", [])]
        if got_codes != want_codes:
            raise FhirError(
                f"item[{i}].answerOption: codes {got_codes} differ from the Alliance "
                f"definition ({want_codes})"
            )


def _coding(option: Mapping[str, Any]) -> Mapping[str, Any]:
    coding = option.get("valueCoding")
    return coding if isinstance(coding, Mapping) else {}


def _answerable(items: list[Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Answerable items in order, with their FHIR paths; groups are flattened."""
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        kind = item.get("type")
        if kind == "group":
            yield from _answerable(list(item.get("item") or []), f"{where}.item")
        elif kind != "display":
            if item.get("item"):
                raise FhirError(f"{where}.item: items nested under a question are not supported")
            yield where, item


def _from_items(data: Mapping[str, Any], scoring: Mapping[str, Any]) -> Instrument:
    unknown = sorted(set(scoring) - SCORING_KEYS)
    if unknown:
        raise InstrumentError(
            f"scoring: unknown key(s) {unknown}; allowed: {', '.join(sorted(SCORING_KEYS))}"
        )
    found = list(_answerable(list(data.get("item") or []), "item"))
    if not found:
        raise FhirError("item: the Questionnaire has no answerable items")
    reverse = scoring.get("reverse") or []
    if not isinstance(reverse, list) or not all(isinstance(n, int) for n in reverse):
        raise InstrumentError("scoring: reverse: expected a list of item numbers")
    items = []
    for n, (where, item) in enumerate(found, start=1):
        entry: dict[str, Any] = {
            "n": n,
            "text": item.get("text") or f"Item {item.get('linkId')}",
            "required": bool(item.get("required", False)),
            "response": _response(where, item),
        }
        if n in reverse:
            entry["reverse"] = True
        items.append(entry)
    missing = [k for k in ("scales", "licence", "citation") if not scoring.get(k)]
    if missing:
        raise InstrumentError(
            f"scoring: no {', '.join(missing)} given. This Questionnaire has no Alliance "
            f"definition, so nothing about scoring or licensing is assumed: {DEFINITION_HINT}"
        )
    raw: dict[str, Any] = {
        "id": _instrument_id(data, scoring),
        "name": scoring.get("name") or data.get("title") or data.get("name"),
        "short_name": scoring.get("short_name") or data.get("name") or data.get("title"),
        "respondent": scoring.get("respondent", "client"),
        "instructions": scoring.get("instructions") or data.get("description"),
        "items": items,
    }
    for key in SCORING_KEYS - {"reverse", *raw}:
        if key in scoring:
            raw[key] = scoring[key]
    for key in ("name", "short_name", "instructions"):
        if not raw[key]:
            raise InstrumentError(
                f'scoring: {key}: the Questionnaire gives none; add {key} = "..."'
            )
    return parse_instrument(raw, "Questionnaire + scoring")


def _instrument_id(data: Mapping[str, Any], scoring: Mapping[str, Any]) -> str:
    if "id" in scoring:
        return str(scoring["id"])
    for candidate in (data.get("id"), data.get("name")):
        if isinstance(candidate, str):
            slug = re.sub(r"[^a-z0-9]+", "_", candidate.lower()).strip("_")
            if re.match(ID_PATTERN, slug):
                return slug
    raise InstrumentError(
        "scoring: id: the Questionnaire's id and name give no usable instrument id; "
        'add id = "my_instrument" (lower case letters, digits and _)'
    )


def _response(where: str, item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type")
    if kind in ("choice", "open-choice"):
        options = item.get("answerOption") or []
        if not options:
            raise FhirError(f"{where}.answerOption: a choice item needs answer options")
        return {
            "kind": "choice",
            "options": [_option(f"{where}.answerOption[{j}]", o) for j, o in enumerate(options)],
        }
    if kind in ("integer", "decimal"):
        bounds = {e.get("url"): e for e in item.get("extension") or []}
        limits = []
        for url, name in ((MIN_VALUE, "minValue"), (MAX_VALUE, "maxValue")):
            ext = bounds.get(url)
            value = None if ext is None else ext.get("valueInteger", ext.get("valueDecimal"))
            if value is None:
                raise FhirError(
                    f"{where}.extension: a numeric item needs the {name} extension ({url}) "
                    "so answers can be checked"
                )
            limits.append(float(value))
        scale: dict[str, Any] = {"kind": "numeric", "min": limits[0], "max": limits[1]}
        if kind == "integer":
            scale["step"] = 1.0
        return scale
    if kind in ("string", "text"):
        return {"kind": "text"}
    raise FhirError(
        f"{where}.type: {kind!r} items are not supported "
        "(use choice, integer, decimal, string, text, group or display)"
    )


def _option(where: str, option: Mapping[str, Any]) -> dict[str, Any]:
    if "valueInteger" in option:
        value = option["valueInteger"]
        return {"value": float(value), "label": str(value)}
    coding = option.get("valueCoding")
    if not isinstance(coding, Mapping):
        raise FhirError(f"{where}: answer options must be valueCoding or valueInteger")
    ordinal = [e for e in coding.get("extension") or [] if e.get("url") == ORDINAL_VALUE]
    code = coding.get("code")
    if ordinal:
        value = ordinal[0].get("valueDecimal")
    else:
        try:
            value = float(code) if code is not None else None
        except ValueError:
            value = None
    if value is None:
        raise FhirError(
            f"{where}.valueCoding.code: {code!r} is not a number and there is no "
            f"ordinalValue extension ({ORDINAL_VALUE}) giving the score"
        )
    label = coding.get("display") or code
    return {"value": float(value), "label": str(label)}
