"""Revision round: differences between two versions of an application, the required
revisions of the consensus checked against them, and the ``revision`` command."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.meeting.documents import import_file
from nzc_review.meeting.opinion import Revision, compose_consensus
from nzc_review.meeting.revision import (
    RevisionError,
    check_revisions,
    compare_versions,
    diff_applications,
    section_fields,
)
from tests.conftest import EXAMPLES
from tests.fixtures.applications import FAST_DUMPER, read_yaml
from tests.fixtures.sessions import PARK, build_panel


@pytest.fixture(scope="module")
def park() -> dict:
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    from nzc_review.intake import validate_application

    return validate_application(data, "park-pass.yaml").model_dump(mode="json")


def revised(park: dict) -> dict:
    new = copy.deepcopy(park)
    new["indicators"]["YQ-03"]["target"] = 18  # changed
    new["indicators"]["YQ-05"]["current"] = 22.0  # same value as a float: unchanged
    del new["indicators"]["YQ-19"]  # removed
    new["key_projects"][3]["investment_10k_cny"] = 28000  # 余热余压回收利用
    new["key_projects"][3]["plan"] = "2024年开工，2025年6月投运"
    new["key_projects"].pop(4)  # 园区能源管理监测平台
    new["key_projects"].append({"name": "储能电站", "investment_10k_cny": 5000})
    new["schedule"]["2025"] = ["余热利用项目投运"]
    return new


def test_diff_indicators_projects_and_sections(park):
    d = diff_applications(park, revised(park), from_version=1, to_version=2)
    changes = {c.code: c for c in d.indicators}
    assert set(changes) == {"YQ-03", "YQ-19"}
    assert changes["YQ-03"].change == "changed"
    assert [f.describe() for f in changes["YQ-03"].fields] == ["目标值 15 → 18"]
    assert changes["YQ-19"].change_zh == "删除"
    assert changes["YQ-19"].name_zh == "办公场所低碳化改造运营"
    projects = {p.name: p for p in d.projects}
    assert projects["余热余压回收利用"].change == "changed"
    assert {f.field for f in projects["余热余压回收利用"].fields} == {"plan", "investment_10k_cny"}
    assert projects["园区能源管理监测平台"].change == "removed"
    assert projects["储能电站"].change == "added"
    assert [f.field for f in d.fields] == ["schedule"]
    assert d.sections == ("三", "四", "五", "六")
    assert d.changed_keys == {"indicators", "key_projects", "schedule"}


def test_added_indicator_and_equal_versions(park):
    new = copy.deepcopy(park)
    new["indicators"].pop("YQ-18")
    d = diff_applications(new, park)
    assert [(c.code, c.change) for c in d.indicators] == [("YQ-18", "added")]
    assert [f.field for f in d.indicators[0].fields] == ["current", "target"]
    assert diff_applications(park, copy.deepcopy(park)).unchanged
    flipped = copy.deepcopy(park)
    flipped["indicators"]["YQ-13"]["current"] = 1  # True is not 1
    assert diff_applications(park, flipped).indicators[0].code == "YQ-13"


def test_check_revisions_by_section(park):
    d = diff_applications(park, revised(park))
    checks = check_revisions(
        [
            Revision("补充余热利用项目可研。", "五"),
            Revision("提高可再生能源目标。", "三"),
            Revision("落实配套资金。", "七"),
            Revision("完善核算。", None),
        ],
        d,
    )
    assert [c.status_zh for c in checks] == ["已修改", "已修改", "未见修改", "需人工核对"]
    assert "重点项目“储能电站”新增" in checks[0].evidence
    assert "重点项目“余热余压回收利用”修改（实施计划、投资规模（万元））" in checks[0].evidence
    assert "指标 YQ-03修改：目标值 15 → 18" in checks[1].evidence
    assert checks[2].evidence == ()
    assert section_fields()["五"] == ("key_projects",)


@pytest.fixture
def round_(panel_session, tmp_path, park):
    """A session where the chair asked for revisions on version 1, then the revised file
    came in as version 2."""
    p = panel_session
    p.store.set_consensus(
        p.chair,
        PARK,
        opinion=compose_consensus(
            strengths=["产业基础好。"],
            revisions=[
                ("五", "补充余热利用项目投资测算依据。"),
                ("七", "落实配套资金。"),
                (None, "完善碳排放核算说明。"),
            ],
        ),
        recommendation="recommend_after_revision",
    )
    path = tmp_path / "park-v2.yaml"
    path.write_text(yaml.dump(revised(park), allow_unicode=True, Dumper=FAST_DUMPER),
                    encoding="utf-8")
    result = import_file(p.store, p.op, path)
    assert (result.action, result.version) == ("revised", 2)
    # the chair edits the consensus after the import: the check still uses the one the
    # applicant answered
    p.store.set_consensus(p.chair, PARK, opinion="修改稿已收到。", recommendation="recommend")
    return p


def test_compare_versions_uses_the_consensus_before_the_import(round_):
    report = compare_versions(round_.store, round_.op, PARK)
    assert (report.from_version, report.to_version) == (1, 2)
    assert "审计事件" in report.consensus_source
    assert [(c.revision.section, c.status) for c in report.checks] == [
        ("五", "addressed"),
        ("七", "not_addressed"),
        (None, "untagged"),
    ]
    data = report.to_dict()
    assert data["checks"][0]["status_zh"] == "已修改"
    assert data["checks"][1]["section_label"] == "七、保障措施"
    json.dumps(data, ensure_ascii=False)


def test_revision_command_table_and_json(round_, capsys):
    assert main(["revision", str(round_.dir), PARK]) == 0
    out = capsys.readouterr().out
    for text in (
        "第 1 版 → 第 2 版",
        "YQ-03",
        "目标值 15 → 18",
        "储能电站",
        "已修改",
        "未见修改",
        "需人工核对",
        "落实配套资金",
    ):
        assert text in out, text
    assert (
        main(["revision", str(round_.dir), PARK, "--from", "1", "--to", "2", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [c["status"] for c in data["checks"]] == ["addressed", "not_addressed", "untagged"]
    assert data["diff"]["sections"] == ["三", "四", "五", "六"]


def test_revision_command_invalid_input(round_, tmp_path, capsys):
    assert main(["revision", str(round_.dir), PARK, "--from", "2", "--to", "1"]) == 2
    assert "earlier version" in capsys.readouterr().err
    assert main(["revision", str(round_.dir), PARK, "--to", "3"]) == 2
    assert "no version 3" in capsys.readouterr().err
    assert main(["revision", str(round_.dir), "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err
    assert main(["revision", str(tmp_path / "none"), PARK]) == 2
    assert "no such review session" in capsys.readouterr().err
    one = build_panel(tmp_path / "single")
    one.store.close()
    assert main(["revision", str(one.dir), PARK, "--format", "json"]) == 2
    assert "only version 1" in capsys.readouterr().err


def test_revision_error_is_an_nzc_error():
    from nzc_review.errors import NzcError

    assert issubclass(RevisionError, NzcError)
