"""The exam engine's pure core: drawing forms, timing and scoring. No ORM, no I/O.

Every function here is a pure function of its inputs (seed, times, versions, responses),
unit-tested without a database: this is where correctness is proven (STYLE.md).
"""
