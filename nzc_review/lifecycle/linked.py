"""The latest disclosure linked to each pilot of the programme, judged as ``disclose`` and
``monitor`` judge it.

The bureau follows every pilot from construction on (河环发〔2023〕23号 三、(二)1 建设实施, (二)2
验收评价, (三)2 复核提升、动态退出) through its yearly disclosures (四、(四) 每年对外开展碳排放信息
披露). For each pilot, the disclosure files linked to it in the programme register are read
(:func:`nzc_review.lifecycle.intake.load_histories`), and its latest disclosed year is:

* shown as :func:`nzc_review.lifecycle.disclosure.disclosure_view` shows it (total emissions,
  change against the base year, the accepted target level, the indicators that miss their
  reference value);
* re-reviewed by :func:`nzc_review.lifecycle.monitor.review_pilot` with the monitor's rules
  (预警 / 建议取消称号 and their reasons), as of the latest year any linked pilot disclosed
  (the default of ``nzc-review monitor``) or a year given.

Nothing is judged here that those functions do not judge. A file that cannot be read is
reported on its pilot's line, in Chinese, and never stops the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nzc_review.errors import NzcError
from nzc_review.evaluation.basis import AccountingOptions
from nzc_review.evaluation.compliance import NOT_MET
from nzc_review.lifecycle.disclosure import disclosure_view
from nzc_review.lifecycle.intake import PilotHistory, load_histories
from nzc_review.lifecycle.monitor import (
    DEFAULT_MONITOR_RULES,
    LEVEL_ZH,
    MonitorRules,
    latest_year,
    review_pilot,
)

__all__ = ["NONE", "UNREADABLE", "DisclosureCheck", "check_linked_disclosures"]

#: Levels beyond the monitor's: no disclosure linked, linked files that cannot be read.
NONE, UNREADABLE = "none", "unreadable"
CHECK_LEVEL_ZH = {**LEVEL_ZH, NONE: "未关联披露", UNREADABLE: "披露文件有误"}


@dataclass(frozen=True)
class DisclosureCheck:
    """What the latest linked disclosure of one pilot says.

    ``level`` is the monitor's (``ok``, ``warning``, ``exit``) for ``as_of``, or :data:`NONE`
    (no file linked) or :data:`UNREADABLE` (``error`` says why); ``reasons`` are the
    monitor's messages (an emission total above the accepted target level among them, on the
    monitor's accounting basis ``basis_zh``); ``emissions_tco2`` is the total as disclosed;
    ``indicators_not_met`` the indicators of the latest year below their reference value
    (code and name).
    """

    files: tuple[str, ...] = ()
    level: str = NONE
    pilot_id: str | None = None
    year: int | None = None
    as_of: int | None = None
    emissions_tco2: float | None = None
    base_year: int | None = None
    vs_base_pct: float | None = None
    target_emissions_tco2: float | None = None
    indicators_not_met: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    error: str | None = None
    #: The accounting basis the monitor compared emissions on, in words.
    basis_zh: str = ""

    @property
    def level_zh(self) -> str:
        return CHECK_LEVEL_ZH[self.level]



def _resolve(paths: Sequence[str], base: Path | None) -> list[Path]:
    out = []
    for p in paths:
        path = Path(p)
        out.append(path if path.is_absolute() or base is None else base / path)
    return out


def _history_of(histories: list[PilotHistory], pilot_id: str) -> PilotHistory:
    """The history of ``pilot_id``, or the only one the files hold."""
    for history in histories:
        if history.id == pilot_id:
            return history
    if len(histories) == 1:
        return histories[0]
    names = "、".join(h.id for h in histories)
    raise NzcError(f"关联的披露文件涉及多个试点（{names}），其中没有 {pilot_id}")


def _reason(exc: NzcError) -> str:
    return "关联的披露文件无法读取：" + str(exc).replace("\n", "；")


def check_linked_disclosures(
    linked: Mapping[str, Sequence[str]], *, base: str | Path | None = None,
    as_of: int | None = None, rules: MonitorRules = DEFAULT_MONITOR_RULES,
    options: AccountingOptions | None = None,
) -> dict[str, DisclosureCheck]:
    """The latest linked disclosure of every pilot in ``linked`` (pilot id → its files).

    Parameters
    ----------
    linked:
        The disclosure files of each pilot, as the register lists them.
    base:
        The folder relative paths are taken from (the programme folder).
    as_of:
        The review year of the monitor's rules; default the latest year any linked pilot
        disclosed (as ``nzc-review monitor``).
    rules, options:
        The monitor's rules and the accounting basis (defaults as ``nzc-review monitor``).

    Returns
    -------
    dict
        One :class:`DisclosureCheck` per pilot of ``linked``.
    """
    folder = Path(base) if base is not None else None
    options = options or AccountingOptions()
    checks: dict[str, DisclosureCheck] = {}
    found: dict[str, PilotHistory] = {}
    for pilot_id, paths in linked.items():
        files = tuple(str(p) for p in paths)
        if not files:
            checks[pilot_id] = DisclosureCheck()
            continue
        try:
            found[pilot_id] = _history_of(load_histories(_resolve(files, folder)), pilot_id)
        except NzcError as exc:
            checks[pilot_id] = DisclosureCheck(files, UNREADABLE, error=_reason(exc))
    year = as_of if as_of is not None else (latest_year(list(found.values())) if found else None)
    for pilot_id, history in found.items():
        files = tuple(str(p) for p in linked[pilot_id])
        try:
            review = review_pilot(history, year, rules, options)
            disclosed = [y for y in history.years if y <= year]
            view = disclosure_view(history, max(disclosed), options=options) if disclosed else None
        except NzcError as exc:
            checks[pilot_id] = DisclosureCheck(files, UNREADABLE, pilot_id=history.id,
                                               error=_reason(exc))
            continue
        reasons = tuple(f.message for f in review.flags)
        if view is None:
            checks[pilot_id] = DisclosureCheck(files, review.status, pilot_id=history.id,
                                               as_of=year, reasons=reasons,
                                               basis_zh=review.basis_zh)
            continue
        checks[pilot_id] = DisclosureCheck(
            files=files, level=review.status, pilot_id=history.id, year=view.year,
            as_of=year, emissions_tco2=view.emissions_tco2, base_year=view.base_year,
            vs_base_pct=view.vs_base_pct, target_emissions_tco2=view.target_emissions_tco2,
            indicators_not_met=tuple(f"{i.code} {i.name_zh}" for i in view.indicators
                                     if i.status == NOT_MET),
            reasons=reasons, basis_zh=review.basis_zh)
    return {pilot_id: checks[pilot_id] for pilot_id in linked}
