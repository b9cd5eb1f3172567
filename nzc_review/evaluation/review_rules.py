"""The review rules (评审规则): the tool's own rules of the evaluation and the review, in one file.

河环发〔2023〕23号 labels every indicator row 核心 / 一般 / 引导 (附件1 表1–表5), asks the
application for a feasibility conclusion (附件2 二(三) “给出相应结论”) and publishes the pilots
that passed the expert review (三、(一)3 项目确定: “对通过专家评审的试点项目进行公示”). It sets no
veto, no threshold of 可行 / 基本可行 / 不可行 and no rule of its own for the 公示名单: those are
the tool's rules (本工具默认规则), kept together here and configurable with ``--rules FILE``
(``nzc-review evaluate``, ``batch`` and ``session create``; a session keeps them,
:class:`nzc_review.store.rules.SessionRules`). The defaults are shipped as
``policy/catalog/review_rules.yaml``, the file's JSON Schema as
``policy/catalog/review_rules.schema.json`` (:func:`json_schema`).

Every section and key is optional; one left out keeps its default::

    format: nzc-review-rules/1
    veto:                            # 核心指标一票否决 (本工具默认规则)
      enabled: true
      action: lower_verdict          # lower_verdict: 可行性结论为不可行, 评分规则建议不推荐
                                     # flag_only: shown as a flag, changes no conclusion
    verdict:                         # 可行 / 基本可行 / 不可行 (evaluation.verdict)
      min_probability: 0.8           # B5: below it, 基本可行
      disagreement_tolerance_pct: 5  # B6: declared vs computed figures differ by more
      clean_energy_majority_pct: 50  # 以清洁能源为主 (二、(二)) read as a share above it
    plausibility:                    # evaluation.plausibility
      first_batch_deadline: 2025     # 一、(三) 工作目标
      min_bau_growth_rate: 0.0
    public_notice:                   # 公示名单
      outcomes: [recommend, recommend_after_revision]
      veto_removes: false            # the panel's recommendation decides; a veto is a flag
    accounting:                      # DESIGN.md contract 4 (evaluation.basis)
      basis: location                # or green_deducted
      grid_factor: held              # or data_year

Errors name the file and the field (``rules.yaml: veto.action: …``) as an
:class:`~nzc_review.errors.InputError` (the command line exits with status 2).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nzc_review.errors import InputError
from nzc_review.evaluation.basis import BASES, GRID_FACTORS, HELD, LOCATION, basis_zh
from nzc_review.evaluation.energy import EQUIVALENT_CALORIFIC, RENEWABLE_SHARE_METHODS
from nzc_review.evaluation.plausibility import PlausibilityRules
from nzc_review.evaluation.verdict import (
    VETO_ACTIONS,
    VerdictRules,
    VetoRule,
    origin_zh,
)
from nzc_review.files import yaml_text

__all__ = [
    "DEFAULTS_FILE",
    "FORMAT",
    "GATE_ZH",
    "RECOMMENDATION_CODES",
    "SCHEMA_FILE",
    "AccountingRule",
    "EvaluationRules",
    "NoticeRule",
    "ReviewRules",
    "VetoRule",
    "gate_zh",
    "json_schema",
    "load_review_rules",
    "origin_zh",
    "review_rules_from_mapping",
    "shipped_rules",
]

#: The ``format`` of a review-rules file.
FORMAT = "nzc-review-rules/1"
#: The shipped defaults and the file's JSON Schema (in ``nzc_review.policy.catalog``).
DEFAULTS_FILE = "review_rules.yaml"
SCHEMA_FILE = "review_rules.schema.json"
#: The recommendations a panel can give (:data:`nzc_review.mcda.recommendation.OUTCOMES`).
RECOMMENDATION_CODES: tuple[str, ...] = ("recommend", "recommend_after_revision", "do_not_recommend")
_OUTCOME_ZH = {"recommend": "推荐", "recommend_after_revision": "修改完善后推荐",
               "do_not_recommend": "不推荐"}


@dataclass(frozen=True)
class NoticeRule:
    """Who enters the public-notice list (公示名单).

    The plan publishes “通过专家评审的试点项目” (三、(一)3): by default the panel's recommendation
    decides (推荐 and 修改完善后推荐 enter), and a core-indicator veto is shown beside the
    application as a flag with its rule, never a silent removal (本工具默认规则).

    Attributes
    ----------
    outcomes:
        The recommendations that put an application on the list.
    veto_removes:
        Whether an application under the veto flag is left off the list (it is then named in
        the session summary, with the rule).
    """

    outcomes: tuple[str, ...] = ("recommend", "recommend_after_revision")
    veto_removes: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", tuple(self.outcomes))
        unknown = [o for o in self.outcomes if o not in RECOMMENDATION_CODES]
        if unknown or not self.outcomes:
            raise ValueError(f"outcomes must be some of {', '.join(RECOMMENDATION_CODES)}")

    @property
    def is_default(self) -> bool:
        return self == NoticeRule()

    def describe_zh(self) -> str:
        """The rule in one sentence, with its origin."""
        listed = "、".join(_OUTCOME_ZH[o] for o in self.outcomes)
        veto = ("核心指标一票否决提示的申报不列入名单，并在汇总中列明" if self.veto_removes
                else "核心指标一票否决仅作提示标注，不移出名单")
        return (f"公示名单：专家组结论为{listed}的申报列入（河环发〔2023〕23号 三、(一)3 "
                f"对通过专家评审的试点项目进行公示）；{veto}（{origin_zh(self.is_default)}）")


@dataclass(frozen=True)
class AccountingRule:
    """The accounting basis and grid-factor choice of a run (DESIGN.md contract 4,
    :mod:`nzc_review.evaluation.basis`); a command-line flag given explicitly wins."""

    basis: str = LOCATION
    grid_factor: str = HELD
    #: Renewable share by 当量值 (``equivalent_calorific``) or 等价值 (``coal_equivalent``).
    renewable_share_method: str = EQUIVALENT_CALORIFIC
    #: Carbon sinks netted from the accounted totals (本工具默认规则: not netted).
    net_sinks: bool = False

    def __post_init__(self) -> None:
        if self.basis not in BASES or self.grid_factor not in GRID_FACTORS \
                or self.renewable_share_method not in RENEWABLE_SHARE_METHODS:
            raise ValueError("unknown accounting basis, grid-factor choice or renewable-share "
                             "method")

    def describe_zh(self) -> str:
        return f"核算口径：{basis_zh(self.basis, self.grid_factor)}"


@dataclass(frozen=True)
class EvaluationRules:
    """The review rules that change an evaluation (its cache key,
    :mod:`nzc_review.evaluation.cache`): the veto, the verdict thresholds, the plausibility
    rules and the accounting basis. An :class:`~nzc_review.evaluation.pipeline.Evaluation`
    records the ones it was made with."""

    veto: VetoRule = field(default_factory=VetoRule)
    verdict: VerdictRules = field(default_factory=VerdictRules)
    plausibility: PlausibilityRules = field(default_factory=PlausibilityRules)
    accounting: AccountingRule = field(default_factory=AccountingRule)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key(self) -> str:
        """Canonical JSON (sorted keys, no spaces): what the evaluation cache hashes."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))


@dataclass(frozen=True)
class ReviewRules:
    """Every rule of a review-rules file (module docstring); the field defaults are the tool's
    defaults and equal the shipped ``review_rules.yaml`` (:func:`shipped_rules`)."""

    veto: VetoRule = field(default_factory=VetoRule)
    verdict: VerdictRules = field(default_factory=VerdictRules)
    plausibility: PlausibilityRules = field(default_factory=PlausibilityRules)
    public_notice: NoticeRule = field(default_factory=NoticeRule)
    accounting: AccountingRule = field(default_factory=AccountingRule)

    @property
    def evaluation(self) -> EvaluationRules:
        """The rules that change an evaluation."""
        return EvaluationRules(self.veto, self.verdict, self.plausibility, self.accounting)

    def to_dict(self) -> dict[str, Any]:
        """The stored form (JSON), the shape of the file with ``format``."""
        data = asdict(self)
        data["public_notice"]["outcomes"] = list(self.public_notice.outcomes)
        return {"format": FORMAT, **data}

    def with_accounting(self, basis: str | None = None,
                        grid_factor: str | None = None) -> ReviewRules:
        """These rules with the accounting basis or grid factor a flag chose (``None`` keeps
        the rule)."""
        return replace(self, accounting=replace(
            self.accounting, basis=basis or self.accounting.basis,
            grid_factor=grid_factor or self.accounting.grid_factor))


#: The core gate (DESIGN.md contract 3) in words, without the veto.
GATE_ZH = {"pass": "通过", "fail": "不通过", "incomplete": "待补充"}


def gate_zh(gate: str, veto: VetoRule | None = None) -> str:
    """The core gate in words with what the veto makes of a ``fail`` (``veto`` default: the
    tool's default rule): ``不通过（一票否决）``, ``不通过（一票否决仅作提示）`` or ``不通过``."""
    veto = veto or VetoRule()
    if gate != "fail" or veto.mode == "off":
        return GATE_ZH.get(gate, gate)
    return "不通过（一票否决）" if veto.lowers else "不通过（一票否决仅作提示）"


# --- the file ---------------------------------------------------------------------------------

_DV, _DP, _DN = VetoRule(), VerdictRules(), PlausibilityRules()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Veto(_Model):
    """核心指标一票否决 (本工具默认规则; the plan only labels the rows 核心指标)."""

    enabled: bool = Field(_DV.enabled, description="apply the core-indicator veto at all")
    action: Literal[VETO_ACTIONS] = Field(  # type: ignore[valid-type]
        _DV.action, description="lower_verdict: the feasibility verdict becomes 不可行 and the "
        "scoring rule suggests 不推荐; flag_only: a flag that changes no conclusion")


class _Verdict(_Model):
    """Thresholds of the feasibility verdict (可行 / 基本可行 / 不可行)."""

    min_probability: float = Field(_DP.min_probability, ge=0, le=1,
                                   description="B5: lowest probability of meeting the target "
                                   "on time under delivery risk")
    disagreement_tolerance_pct: float = Field(_DP.disagreement_tolerance_pct, ge=0, le=100,
                                              description="B6: declared vs computed figures "
                                              "may differ by this many percent")
    clean_energy_majority_pct: float = Field(_DP.clean_energy_majority_pct, ge=0, lt=100,
                                             description="以清洁能源为主: clean-energy use rate "
                                             "above this share")


class _Plausibility(_Model):
    """Plausibility notes (evaluation.plausibility)."""

    first_batch_deadline: int = Field(_DN.first_batch_deadline, ge=2023, le=2100,
                                      description="P3: year by which the first batch is built "
                                      "and accepted (一、(三) 工作目标)")
    min_bau_growth_rate: float = Field(_DN.min_bau_growth_rate, ge=-1, le=1,
                                       description="P1: lowest BAU growth rate without a note")


class _Notice(_Model):
    """The public-notice list (公示名单)."""

    outcomes: list[Literal[RECOMMENDATION_CODES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(NoticeRule().outcomes), min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="recommendations that enter the list")
    veto_removes: bool = Field(False, description="leave an application under the veto flag "
                               "off the list (named in the summary)")

    @field_validator("outcomes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an outcome is listed twice")
        return value


class _Accounting(_Model):
    """The accounting basis (DESIGN.md contract 4)."""

    basis: Literal[BASES] = Field(LOCATION)  # type: ignore[valid-type]
    grid_factor: Literal[GRID_FACTORS] = Field(HELD)  # type: ignore[valid-type]
    renewable_share_method: Literal[RENEWABLE_SHARE_METHODS] = Field(  # type: ignore[valid-type]
        EQUIVALENT_CALORIFIC)
    net_sinks: bool = False


class RulesFile(_Model):
    """A review-rules file (``nzc-review-rules/1``)."""

    model_config = ConfigDict(extra="forbid", strict=True, title="nzc-review review rules")

    format: Literal[FORMAT] = FORMAT  # type: ignore[valid-type]
    veto: _Veto = Field(default_factory=_Veto)
    verdict: _Verdict = Field(default_factory=_Verdict)
    plausibility: _Plausibility = Field(default_factory=_Plausibility)
    public_notice: _Notice = Field(default_factory=_Notice)
    accounting: _Accounting = Field(default_factory=_Accounting)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a review-rules file (shipped as ``review_rules.schema.json``; a test
    keeps the shipped file equal to this)."""
    schema = RulesFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:nzc-review:review-rules:1", **schema}


def review_rules_from_mapping(data: object, source: str = "rules") -> ReviewRules:
    """Review rules from plain data (a rules file read, or a session's stored rules).

    Raises
    ------
    InputError
        Naming ``source`` and each refused field (``veto.action``, ``verdict.min_probability``).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(source, "expected a mapping of rule sections (veto, verdict, "
                         "plausibility, public_notice, accounting)")
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        from nzc_review.intake import translate_errors

        raise InputError(source, translate_errors(exc)) from None
    return ReviewRules(
        veto=VetoRule(**parsed.veto.model_dump()),
        verdict=VerdictRules(**parsed.verdict.model_dump()),
        plausibility=PlausibilityRules(**parsed.plausibility.model_dump()),
        public_notice=NoticeRule(tuple(parsed.public_notice.outcomes),
                                 parsed.public_notice.veto_removes),
        accounting=AccountingRule(**parsed.accounting.model_dump()),
    )


def load_review_rules(path: str | Path | None) -> ReviewRules:
    """The review rules of a YAML/JSON file; the shipped defaults when ``path`` is ``None``.

    Raises
    ------
    InputError
        The file is missing, unreadable or refused (the field is named).
    """
    if path is None:
        return shipped_rules()
    from nzc_review.intake.text import read_json, read_yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(path.name, "file not found" if not path.exists() else "not a file")
    data = read_json(path) if path.suffix.lower() == ".json" else read_yaml(path)
    return review_rules_from_mapping(data, path.name)


@cache
def shipped_rules() -> ReviewRules:
    """The shipped defaults (``policy/catalog/review_rules.yaml``), read once."""
    text = resources.files("nzc_review.policy.catalog").joinpath(DEFAULTS_FILE).read_text(
        encoding="utf-8")
    return review_rules_from_mapping(yaml_text.safe_load(text), DEFAULTS_FILE)
