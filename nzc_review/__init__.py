"""nzc-review: review toolkit for near-zero carbon emission zone pilots (近零碳排放区试点).

The policy source is the Hechi City work plan 《河池市近零碳排放区试点建设工作方案（试行）》
(河环发〔2023〕23号). The library keeps the policy as data (``nzc_review/catalog``) and the
computations as pure functions; files, the database and rendering stay at the edges.
"""

__version__ = "0.1.0"
