"""How results look: HTML fragments of the evaluation report, charts, terminal tables, dates."""
