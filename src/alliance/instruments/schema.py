"""The instrument file format, validated with pydantic.

An instrument is data: one TOML file per instrument holds its items,
response options, subscales, reverse keys, missing-data rule, ranges,
severity bands, flags, change norms (with their source), licence and
citation. A user adds an instrument by writing such a file; no code.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ID_PATTERN",
    "MAX_CHOICES",
    "Band",
    "ChangeNorms",
    "Citation",
    "Flag",
    "Instrument",
    "Item",
    "Licence",
    "MissingRule",
    "Option",
    "ResponseScale",
    "Scale",
    "Strict",
]

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Comparison = Literal[">", ">=", "<", "<=", "=="]
MAX_CHOICES = 101
"""Most answers one item may offer: a 0-10 line in tenths. Each is shown on the page."""


class Strict(BaseModel):
    """Base model: unknown fields are errors, so a typo never passes silently.

    Numbers must be finite: ``nan`` and ``inf`` (valid TOML) are refused
    wherever a number is expected (option values, ranges, steps, bands,
    norms, flag thresholds).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _exact(x: float) -> Fraction:
    """The number as written (its shortest decimal form), exactly: 0.1 is 1/10."""
    return Fraction(repr(float(x)))


class Option(Strict):
    value: float
    label: str = Field(min_length=1)


class ResponseScale(Strict):
    """How an item is answered.

    ``choice``: one of ``options``; ``numeric``: any number from ``min`` to
    ``max`` in steps of ``step`` (visual-analogue lines); ``text``: free text,
    never scored.
    """

    kind: Literal["choice", "numeric", "text"] = "choice"
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    step: float | None = None
    min_label: str | None = None
    max_label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ResponseScale:
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError("a 'choice' scale needs at least two options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"option values repeat: {values}")
        elif self.kind == "numeric":
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError("a 'numeric' scale needs min < max")
            if self.step is not None and self.step <= 0:
                raise ValueError("step must be positive")
        if self.kind != "text" and self.choice_count() > MAX_CHOICES:
            raise ValueError(
                f"{self._count_text()}: more than {MAX_CHOICES} possible answers; "
                "use a larger step or fewer options"
            )
        return self

    def choice_count(self) -> int:
        """How many answers the scale offers (a numeric scale without step: whole numbers).

        Computed exactly, from the numbers as written: ``floor((max - min) / step) + 1``.

        >>> ResponseScale(kind="numeric", min=0, max=0.3, step=0.1).choice_count()
        4
        """
        if self.kind == "choice":
            return len(self.options)
        if self.kind == "text" or self.min is None or self.max is None:
            raise ValueError("text items offer no choices")
        span = (_exact(self.max) - _exact(self.min)) / _exact(self.step or 1)
        return math.floor(span) + 1

    def choice_values(self) -> tuple[float, ...]:
        """Every answer the scale offers, in order (a numeric scale without step: whole numbers).

        Numeric values are ``min + k * step`` computed exactly, so a step of 0.1
        gives 0.3, not 0.30000000000000004.

        >>> ResponseScale(kind="numeric", min=0, max=0.3, step=0.1).choice_values()
        (0.0, 0.1, 0.2, 0.3)
        """
        if self.kind == "choice":
            return tuple(o.value for o in self.options)
        low, step = _exact(self.min or 0), _exact(self.step or 1)
        return tuple(float(low + k * step) for k in range(self.choice_count()))

    def _count_text(self) -> str:
        if self.kind == "choice":
            return f"{len(self.options)} options"
        count = self.choice_count()
        shown = str(count) if count < 10**12 else f"about 10^{len(str(count)) - 1}"
        return f"{shown} values from {self.min:g} to {self.max:g} in steps of {self.step or 1:g}"

    @property
    def low(self) -> float:
        if self.kind == "choice":
            return min(o.value for o in self.options)
        if self.min is None:
            raise ValueError("text items have no numeric range")
        return self.min

    @property
    def high(self) -> float:
        if self.kind == "choice":
            return max(o.value for o in self.options)
        if self.max is None:
            raise ValueError("text items have no numeric range")
        return self.max

    def is_contiguous_integers(self) -> bool:
        """True when the allowed values are exactly the integers low..high."""
        if self.kind != "choice":
            return False
        values = sorted(o.value for o in self.options)
        return all(v == int(v) for v in values) and values == [
            float(v) for v in range(int(values[0]), int(values[-1]) + 1)
        ]


class Item(Strict):
    n: int = Field(ge=1)
    text: str = Field(min_length=1)
    reverse: bool = False
    required: bool = True
    response: ResponseScale | None = None
    left_label: str | None = None
    right_label: str | None = None


class MissingRule(Strict):
    """What to do when items of a scale are unanswered.

    ``prorate``: when at most ``max_missing`` items are missing, the sum is
    the mean of the answered items times the number of items; ``available``:
    score from the answered items only (e.g. goal attainment); ``complete``:
    every item is needed. More missing items than allowed: no score, and the
    reason is reported.

    A prorated sum is kept unrounded unless ``round = true`` (with
    ``round_source``, the published guidance that says to round): it is then
    rounded to the nearest whole number, halves up (``floor(x + 0.5)``),
    before it is banded, judged for caseness or stored. Bands are found by
    lower bound either way (the last band whose minimum the score reaches),
    so an unrounded 4.5 on the PHQ-9 is "minimal" (0-4) and a rounded one,
    5, "mild".
    """

    method: Literal["prorate", "available", "complete"] = "prorate"
    max_missing: int = Field(default=0, ge=0)
    source: str = Field(min_length=1)
    round: bool = False
    round_source: str | None = Field(default=None, min_length=1)

    def banding_note(self, method: str) -> str:
        """How a score under this rule meets the bands, in one phrase.

        >>> note = MissingRule(method="prorate", max_missing=1, source="s").banding_note("sum")
        >>> note.startswith("banded by lower bound"), note.endswith("prorated sums unrounded")
        (True, True)
        """
        text = "banded by lower bound (the last band whose minimum the score reaches)"
        if self.method != "prorate" or method != "sum":
            return text
        if self.round:
            return f"{text}; prorated sums rounded to whole points, halves up ({self.round_source})"
        return f"{text}; prorated sums unrounded"

    @model_validator(mode="after")
    def _check_round(self) -> MissingRule:
        if self.round and self.method != "prorate":
            raise ValueError("missing.round applies to prorated scores: set method = 'prorate'")
        if self.round and not self.round_source:
            raise ValueError("missing.round needs round_source (the guidance that says to round)")
        if self.round_source and not self.round:
            raise ValueError("missing.round_source is given but round is false")
        return self


class Band(Strict):
    label: str = Field(min_length=1)
    min: float
    max: float


class ChangeNorms(Strict):
    """Norms for reliable and clinically significant change on one scale.

    Either ``sd`` and ``reliability`` (Jacobson-Truax), or a published
    ``min_reliable_change``; ``clinical_cutoff`` marks caseness. Each number
    carries its ``source``; ``check`` marks a number that is not yet
    confirmed against the primary source. A scale without norms has
    ``published = false`` and the software says "no published norm".
    """

    published: bool = True
    sd: float | None = Field(default=None, gt=0)
    reliability: float | None = Field(default=None, gt=0, lt=1)
    min_reliable_change: float | None = Field(default=None, gt=0)
    clinical_cutoff: float | None = None
    caseness: Comparison | None = None
    source: str = Field(min_length=1)
    check: bool = False

    @model_validator(mode="after")
    def _check(self) -> ChangeNorms:
        if not self.published:
            if any(
                v is not None
                for v in (self.sd, self.reliability, self.min_reliable_change, self.clinical_cutoff)
            ):
                raise ValueError("published = false but norm values are given")
            return self
        if (self.sd is None) != (self.reliability is None):
            raise ValueError("sd and reliability go together")
        if self.sd is None and self.min_reliable_change is None and self.clinical_cutoff is None:
            raise ValueError("give sd and reliability, min_reliable_change or clinical_cutoff")
        if (self.clinical_cutoff is None) != (self.caseness is None):
            raise ValueError("clinical_cutoff and caseness (the comparison) go together")
        return self


class Scale(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    items: tuple[int, ...] = Field(min_length=1)
    method: Literal["sum", "mean", "gas_t"] = "sum"
    gas_rho: float = Field(default=0.3, ge=0, lt=1)
    missing: MissingRule
    higher_is_better: bool | None = None
    positive_label: str | None = None
    negative_label: str | None = None
    bands: tuple[Band, ...] = ()
    bands_source: str | None = None
    change: ChangeNorms | None = None
    loinc: str | None = Field(default=None, pattern=r"^\d{1,8}-\d$")
    """LOINC code of the scale score (FHIR Observation.code), set only where it is certain."""

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if len(set(self.items)) != len(self.items):
            raise ValueError(f"items repeat in scale {self.id!r}: {list(self.items)}")
        if self.missing.max_missing >= len(self.items):
            raise ValueError(
                f"missing.max_missing ({self.missing.max_missing}) must be below the "
                f"number of items ({len(self.items)})"
            )
        if self.missing.method == "complete" and self.missing.max_missing != 0:
            raise ValueError("missing.method 'complete' needs max_missing = 0")
        if self.bands:
            if not self.bands_source:
                raise ValueError("bands need bands_source (where the cut-offs come from)")
            for a, b in zip(self.bands, self.bands[1:], strict=False):
                if not a.min <= a.max < b.min:
                    raise ValueError(f"bands must be ordered and not overlap: {a.label}, {b.label}")
        return self


class Flag(Strict):
    id: str = Field(pattern=ID_PATTERN)
    item: int | None = None
    scale: str | None = None
    op: Comparison
    value: float
    severity: Literal["info", "warning", "urgent"]
    message: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Flag:
        if (self.item is None) == (self.scale is None):
            raise ValueError("a flag watches exactly one of 'item' or 'scale'")
        return self


class Licence(Strict):
    name: str = Field(min_length=1)
    text: str = Field(min_length=1)
    url: str | None = None
    check: bool = False


class Citation(Strict):
    text: str = Field(min_length=1)
    doi: str | None = None


class Instrument(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    respondent: Literal["client", "therapist", "observer"]
    adapted: bool = False
    adapted_note: str | None = None
    timeframe: str | None = None
    instructions: str = Field(min_length=1)
    name_placeholder: str | None = None
    response: ResponseScale | None = None
    items: tuple[Item, ...] = Field(min_length=1)
    scales: tuple[Scale, ...] = ()
    flags: tuple[Flag, ...] = ()
    licence: Licence
    citation: Citation
    notes: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        numbers = [i.n for i in self.items]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"items: must be numbered 1..{len(numbers)} in order, got {numbers}")
        if self.adapted and not self.adapted_note:
            raise ValueError("adapted_note: an adapted form needs a note saying what was adapted")
        for item in self.items:
            scale = item.response or self.response
            if scale is None:
                raise ValueError(
                    f"items[n={item.n}].response: no response scale and no default is set"
                )
            if item.reverse and scale.kind != "choice":
                raise ValueError(
                    f"items[n={item.n}].reverse: only 'choice' items can be reverse-keyed"
                )
        scale_ids = [s.id for s in self.scales]
        if len(set(scale_ids)) != len(scale_ids):
            raise ValueError(f"scales: scale ids repeat: {scale_ids}")
        for s in self.scales:
            for n in s.items:
                if not 1 <= n <= len(self.items):
                    raise ValueError(
                        f"scales[id={s.id}].items: names item {n}, which does not exist"
                    )
                if self.response_for(n).kind == "text":
                    raise ValueError(f"scales[id={s.id}].items: includes free-text item {n}")
        for f in self.flags:
            if f.item is not None and not 1 <= f.item <= len(self.items):
                raise ValueError(
                    f"flags[id={f.id}].item: names item {f.item}, which does not exist"
                )
            if f.scale is not None and f.scale not in scale_ids:
                raise ValueError(
                    f"flags[id={f.id}].scale: names scale {f.scale!r}, which does not exist"
                )
        if self.name_placeholder and not re.search(
            re.escape(self.name_placeholder), self.text_all()
        ):
            raise ValueError(f"name_placeholder: {self.name_placeholder!r} appears in no item")
        return self

    def text_all(self) -> str:
        return "\n".join(i.text for i in self.items)

    def item(self, n: int) -> Item:
        return self.items[n - 1]

    def response_for(self, n: int) -> ResponseScale:
        scale = self.items[n - 1].response or self.response
        if scale is None:  # pragma: no cover - excluded by validation
            raise ValueError(f"item {n} has no response scale")
        return scale

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(
            f"{self.id} has no scale {scale_id!r}; scales: {[s.id for s in self.scales]}"
        )

    def item_column(self, n: int) -> str:
        return f"{self.id}_{n}"

    def scored_items(self) -> list[int]:
        return [i.n for i in self.items if self.response_for(i.n).kind != "text"]
