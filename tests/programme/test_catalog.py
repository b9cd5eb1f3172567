"""The register's rules file: the routing of each pilot type to its department is the plan's
(三、(一)1 组织申报), every clause cited is quoted from the plan, and a routing file of one's
own is checked field by field."""

from __future__ import annotations

import re

import pytest

from nzc_review.errors import InputError
from nzc_review.policy.catalog import PILOT_TYPES
from nzc_review.programme import create_register, programme_rules
from nzc_review.programme.catalog import load_routing
from tests.conftest import SEED

RULES = programme_rules()
PLAN = SEED.read_text(encoding="utf-8")
#: 三、(一)1 组织申报, the sentence that routes each type.
ROUTING_SENTENCE = re.search(r"1\.组织申报。(.+?)有实施意愿", PLAN).group(1)


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_default_routing_names_the_five_departments_of_the_plan():
    departments = RULES.routing.departments
    assert set(departments) == set(PILOT_TYPES)
    names = {part for d in departments.values() for part in d.split("会同")}
    assert names == {"市生态环境局", "市发展改革委", "市工业和信息化局", "市教育局", "市商务局"}
    for pilot_type, department in departments.items():
        lead = department.split("会同")[0]
        # the department leads the collection of its type in the plan's sentence
        clause = next(c for c in ROUTING_SENTENCE.split("，") if lead in c)
        kind = {"region": "区域", "community": "社区", "park": "园区", "campus": "校园",
                "commercial": "商业场所"}[pilot_type]
        assert kind in clause, (pilot_type, clause)
    assert "市生态环境局会同市发展改革委负责组织区域试点项目、社区试点项目" in ROUTING_SENTENCE


def test_every_clause_cited_from_the_plan_is_quoted_from_it():
    plain = _plain(PLAN)
    cited = [t.basis for t in RULES.transitions if t.origin == "plan"]
    cited += [RULES.notice.basis, RULES.disclosure.basis]
    for basis in cited:
        clause, _, quoted = basis.partition("：")
        assert quoted, basis
        heading = clause.split()[-1]
        assert heading in plain, (basis, heading)
        for part in quoted.split("；"):  # a note of the tool's in brackets at the end
            part = re.sub(r"（[^）]*）$", "", part)
            assert _plain(part) in plain, (basis, part)


def test_a_routing_file_replaces_the_departments_and_is_kept(tmp_path):
    routing = tmp_path / "routing.yaml"
    routing.write_text("region: 市生态环境局\npark: 市工业园区管委会\ncommunity: 市住房城乡建设局\n"
                       "campus: 市教育局\ncommercial: 市商务局\n", encoding="utf-8")
    reg = create_register(tmp_path / "reg", routing=load_routing(routing),
                          routing_source=routing.name, by="测试")
    assert reg.department("park") == "市工业园区管委会" and reg.routing_source == "routing.yaml"


@pytest.mark.parametrize("text,field,words", [
    ("region: 市生态环境局\n", "park", "缺少近零碳排放园区的市级主管部门"),
    ("{region: a, park: b, community: c, campus: d, commercial: e, school: f}", "school",
     "不是试点类型"),
    ("{region: '', park: b, community: c, campus: d, commercial: e}", "region", "非空文字"),
    ("- region\n", "", "对应表"),
])
def test_a_bad_routing_file_is_refused_naming_file_and_field(tmp_path, text, field, words):
    routing = tmp_path / "routing.yaml"
    routing.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_routing(routing)
    assert any(where == field and words in why for where, why in caught.value.problems)
    assert str(caught.value).startswith("routing.yaml: ")


def test_a_missing_routing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: 文件不存在"):
        load_routing(tmp_path / "nope.yaml")
