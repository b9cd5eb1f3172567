"""The automatic evaluation of one application: accounting, compliance, eligibility, forecast, risk, cost, verdict."""
