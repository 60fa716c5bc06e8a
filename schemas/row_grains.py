"""The grains ``cckpi compute --grain`` prints: a module of their own, so the command's help
lists them without importing the row models."""

ROW_GRAINS = ("kpi", "reasons", "agents", "staffing")
