"""Completeness of an application against the outline of 河环发〔2023〕23号 附件2.

Eight sections (一 申报主体概况 … 八 有关证明材料) and the five kinds of supporting material of
section 八. Each section is ``complete``, ``partial`` or ``missing`` with the items to
supplement (需补充材料), in Chinese, as an expert would list them:

* 一: name, applicant organisation, a profile (denominators) of the base year;
* 二: accounted emissions of at least the last two years (近两年碳排放核算数据), energy
  activity data for them, the BAU growth rate of the scenario forecast, and the three texts
  the outline asks for: （一）有利条件和面临障碍, （二）工作基础及特色亮点, （三）可行性结论
  (``basis_and_feasibility``);
* 三: base year, construction period, a target for every indicator of the type;
* 四: main tasks in each of the five areas the outline names, “规划建设、能源利用、资源环境、
  技术工艺、运营管理等方面的主要任务” (``main_tasks``; key projects belong to 五);
* 五: key projects, each with 名称、建设内容、实施计划、建设主体、建设周期、预期碳减排量、
  投资规模 (附件2 五); years inside the construction period are checked;
* 六: a yearly plan for every year of the construction period;
* 七: the four safeguards of 附件2 七 committed;
* 八: supporting materials (一)–(四) attached; (五) 其他证明 is optional.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nzc_review.policy import catalog
from nzc_review.policy.application import Application

REQUIRED_PROOFS = ("eligibility_documents", "accounting_data", "work_basis", "key_projects")


@dataclass
class SectionResult:
    id: str
    number: str
    title_zh: str
    status: str  # complete | partial | missing
    missing: list[str] = field(default_factory=list)


@dataclass
class CompletenessResult:
    status: str  # complete | incomplete
    sections: list[SectionResult]
    items_to_supplement: list[str]
    warnings: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def _section_status(missing: list[str], total: int) -> str:
    if not missing:
        return "complete"
    return "missing" if len(missing) >= total else "partial"


def _overview(app: Application) -> tuple[list[str], int]:
    missing = []
    if not app.applicant:
        missing.append("申报主体（applicant）信息")
    if app.base_year not in app.profile:
        missing.append(f"{app.base_year}年基础数据（人口、建筑面积、产值等，profile）")
    return missing, 2


def _basis(app: Application) -> tuple[list[str], int]:
    missing = []
    accounted = sorted(app.emissions_tco2)
    if app.base_year not in app.emissions_tco2:
        missing.append(f"基准年（{app.base_year}年）碳排放核算数据")
    if len(accounted) < 2:
        missing.append("近两年碳排放核算数据（至少两个年度）")
    without_energy = [y for y in accounted if y not in app.energy]
    if without_energy:
        missing.append("能源活动数据（energy）：" + "、".join(f"{y}年" for y in without_energy))
    if "bau_growth_rate" not in app.model_fields_set:
        missing.append("情景预测的基准情景增长率（bau_growth_rate）")
    items = catalog.outline().basis_texts
    for item in items:
        text = getattr(app.basis_and_feasibility, item.id)
        if text is None or not text.strip():
            missing.append(f"{item.number}{item.label_zh}（basis_and_feasibility.{item.id}）")
    return missing, 4 + len(items)


def _main_tasks(app: Application) -> tuple[list[str], int]:
    """附件2 四: at least one task in each of the five areas it names."""
    areas = catalog.outline().task_categories
    missing = [
        f"{area.label_zh}方面的主要任务（main_tasks.{area.id}）"
        for area in areas
        if not any(t.strip() for t in getattr(app.main_tasks, area.id) or [])
    ]
    return missing, len(areas)


def _targets(app: Application) -> tuple[list[str], int]:
    missing = []
    if app.period is None:
        missing.append("建设期（period）")
    no_target = [
        r.code for r in catalog.indicators(app.pilot_type)
        if app.indicators.get(r.code) is None or app.indicators[r.code].target is None
    ]
    if no_target:
        missing.append("建设目标未填写的指标：" + "、".join(no_target))
    return missing, 2


def _projects(app: Application) -> tuple[list[str], list[str], int]:
    missing, warnings = [], []
    if not app.key_projects:
        return ["重点项目（key_projects）"], warnings, 1
    labels = {f.field: f.label_zh for f in catalog.outline().key_project_fields}
    for i, p in enumerate(app.key_projects, start=1):
        absent = [labels[name] for name in labels if getattr(p, name) in (None, "")]
        if absent:
            missing.append(f"重点项目{i}“{p.name}”缺少：" + "、".join(absent))
        if app.period and p.start_year and p.start_year < app.period.start - 1:
            warnings.append(f"重点项目“{p.name}”开始年 {p.start_year} 早于建设期 {app.period.start}年")
        if app.period and p.end_year and p.end_year > app.period.end:
            warnings.append(
                f"重点项目“{p.name}”结束年 {p.end_year} 晚于目标年 {app.period.end}，目标年前不计减排"
            )
    return missing, warnings, len(app.key_projects) + 1  # listed projects: at worst partial


def schedule_warnings(app: Application) -> list[str]:
    """Schedule years outside the construction period."""
    if app.period is None:
        return []
    outside = [y for y in sorted(app.schedule) if not app.period.start <= y <= app.period.end]
    if not outside:
        return []
    years = "、".join(f"{y}年" for y in outside)
    return [f"进度安排中的{years}不在建设期（{app.period.start}—{app.period.end}年）内"]


def _schedule(app: Application) -> tuple[list[str], int]:
    if app.period is None:
        return (["进度安排（缺少建设期，无法核对年度计划）"] if not app.schedule else []), 1
    years = range(app.period.start, app.period.end + 1)
    absent = [y for y in years if not app.schedule.get(y)]
    missing = ["年度实施计划：" + "、".join(f"{y}年" for y in absent)] if absent else []
    return missing, 1


def _safeguards(app: Application) -> tuple[list[str], int]:
    missing = []
    for item in catalog.outline().safeguards:
        value = getattr(app.safeguards, item.id)
        if value is None:
            missing.append(f"{item.label_zh}（未说明）")
        elif value is False:
            missing.append(f"{item.label_zh}（未落实）")
    return missing, len(catalog.outline().safeguards)


def _proofs(app: Application) -> tuple[list[str], int]:
    kinds = {p.id: p for p in catalog.outline().proofs}
    missing = [
        f"证明材料{kinds[k].number}{kinds[k].label_zh}" for k in REQUIRED_PROOFS
        if not app.proofs.get(k)
    ]
    return missing, len(REQUIRED_PROOFS)


def evaluate_completeness(app: Application) -> CompletenessResult:
    """Check the application against the eight outline sections of 附件2."""
    project_missing, project_warnings, n_projects = _projects(app)
    checks = {
        "overview": _overview(app),
        "basis_and_feasibility": _basis(app),
        "targets": _targets(app),
        "main_tasks": _main_tasks(app),
        "key_projects": (project_missing, n_projects),
        "schedule": _schedule(app),
        "safeguards": _safeguards(app),
        "proofs": _proofs(app),
    }
    sections = []
    for section in catalog.outline().sections:
        missing, total = checks[section.id]
        sections.append(SectionResult(section.id, section.number, section.title_zh,
                                      _section_status(missing, total), missing))
    items = [f"{s.number}、{s.title_zh}：{m}" for s in sections for m in s.missing]
    return CompletenessResult(
        status="complete" if not items else "incomplete",
        sections=sections,
        items_to_supplement=items,
        warnings=project_warnings + schedule_warnings(app),
    )
