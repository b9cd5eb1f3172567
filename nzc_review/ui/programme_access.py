"""Who may open the programme dashboard (``panels/programme_dashboard.ipynb``) — whoever holds
the bureau's token of the running server — and what it reads (:func:`load_programme`).

``nzc-review serve --programme DIR`` makes a new token at every start
(:func:`nzc_review.store.tokens.new_token`, 192 random bits), prints the link with it once,
and hands the server and its kernels only the token's hash (:func:`nzc_review.store.tokens.hash_token`)
with the programme folder, in the environment (:data:`BUREAU_TOKEN_ENV`,
:data:`PROGRAMME_DIR_ENV`). A page without the token, or with another one, is refused with a
Chinese message before any kernel starts (:mod:`nzc_review.server.app`) and again by the panel
itself; nothing of the programme is shown (OWASP Authentication Cheat Sheet: compare secrets
in constant time, say nothing of what exists).
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nzc_review.store.tokens import check_token_shape, hash_token

if TYPE_CHECKING:
    from nzc_review.evaluation.basis import AccountingOptions
    from nzc_review.lifecycle.monitor import MonitorRules

__all__ = ["BUREAU_TOKEN_ENV", "PROGRAMME_DIR_ENV", "PROGRAMME_PAGE", "bureau_refusal",
           "Programme", "china_today", "load_programme", "programme_dir"]

#: The programme folder served (set by ``nzc-review serve --programme``).
PROGRAMME_DIR_ENV = "NZC_PROGRAMME_DIR"
#: SHA-256 of the bureau's token of this server (set by ``nzc-review serve --programme``).
BUREAU_TOKEN_ENV = "NZC_BUREAU_TOKEN_HASH"
#: The dashboard's notebook, in ``panels/``.
PROGRAMME_PAGE = "programme_dashboard.ipynb"

NOT_SERVED = "未配置试点名录。请使用 nzc-review serve --programme 试点名录文件夹 启动试点项目总览。"
NO_TOKEN = "链接缺少访问令牌。请使用启动试点项目总览时显示的主管部门链接。"
BAD_TOKEN = "访问令牌无效或已失效（每次启动服务都会签发新令牌），请使用本次启动时显示的链接。"


def programme_dir() -> str | None:
    """The programme folder served, or ``None``."""
    return os.environ.get(PROGRAMME_DIR_ENV) or None


def bureau_refusal(token: str | None) -> str | None:
    """``None`` when ``token`` is the bureau's token of this server, else the Chinese message
    to show instead of the dashboard."""
    expected = os.environ.get(BUREAU_TOKEN_ENV, "")
    if not programme_dir() or not expected:
        return NOT_SERVED
    if not token:
        return NO_TOKEN
    if not check_token_shape(token) or not hmac.compare_digest(hash_token(token).encode(),
                                                               expected.encode()):
        return BAD_TOKEN
    return None


def china_today() -> dt.date:
    """Today in China time: the day of the overview."""
    from nzc_review.present.dates import CHINA_TZ

    return dt.datetime.now(CHINA_TZ).date()


@dataclass(frozen=True)
class Programme:
    """What the dashboard and the export read of a programme folder: the register's status
    rows, the latest linked disclosure of each pilot under construction or later, and what
    the register could not record from its linked sessions (Chinese sentences)."""

    rows: list[dict]
    checks: dict
    notes: tuple[str, ...] = ()


def load_programme(folder: str | Path, *, as_of: int | None = None,
                   rules: MonitorRules | None = None,
                   options: AccountingOptions | None = None) -> Programme:
    """The register's status rows of ``folder`` (``Register.status_rows()``; opening the
    register records what its linked sessions finalized) and the latest linked disclosure of
    each pilot under construction or later
    (:func:`nzc_review.lifecycle.linked.check_linked_disclosures`; the monitor's ``rules``
    and accounting ``options``, its defaults when ``None``).

    Raises
    ------
    NzcError
        ``folder`` is not a programme folder (the register's error, naming it).
    """
    from nzc_review.lifecycle.linked import check_linked_disclosures
    from nzc_review.lifecycle.monitor import DEFAULT_MONITOR_RULES
    from nzc_review.present.programme_overview import disclosure_links
    from nzc_review.programme.register import open_register

    with open_register(Path(folder)) as register:
        rows, notes = register.status_rows(), tuple(register.notes)
    checks = check_linked_disclosures(disclosure_links(rows), base=folder, as_of=as_of,
                                      rules=rules or DEFAULT_MONITOR_RULES, options=options)
    return Programme(rows, checks, notes)
