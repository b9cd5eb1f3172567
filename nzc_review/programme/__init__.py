"""The programme register (试点名录): every application of every batch through its whole life.

河环发〔2023〕23号 三、实施步骤 follows an application from 组织申报 (county review, the city
department by pilot type) through 专家评审, 项目确定 (公示, objections, confirmation), 建设实施,
验收评价 and the title, to 复核 and 动态退出. The register keeps each application's status and
history in one folder, with an append-only audit chain, and follows the review and acceptance
sessions linked to it.

Modules
-------
``catalog``      the rules as data (``policy/catalog/programme.yaml``): statuses, transitions
                 with their clauses, routing, session outcomes, notice, title
``transitions``  the transition rules as pure functions
``checks``       texts and dates typed by people
``database``     ``programme.sqlite``: tables, transactions, audit events
``register``     :class:`Register`: reading rows, advancing, registering files, disclosures
``sessions``     linking sessions; the pull (on opening) and the push (at finalize)
``notice``       public notice, objections, confirmation (三、(一)3 项目确定)
``documents``    the notice and the confirmed list as HTML and workbooks
``trail``        checking the audit trail
"""

from __future__ import annotations

from nzc_review.programme.catalog import STATUS_CODES, ProgrammeRules, programme_rules
from nzc_review.programme.errors import NotAProgramme, ProgrammeError, TransitionRefused
from nzc_review.programme.register import (
    Register,
    Submission,
    create_register,
    open_register,
    read_submission,
)

__all__ = [
    "STATUS_CODES",
    "NotAProgramme",
    "ProgrammeError",
    "ProgrammeRules",
    "Register",
    "Submission",
    "TransitionRefused",
    "create_register",
    "open_register",
    "programme_rules",
    "read_submission",
]
